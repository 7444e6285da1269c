"""The one exception type that carries a user-facing input problem, and what is kept of one."""

from __future__ import annotations

from dataclasses import dataclass


class InputError(Exception):
    """Bad input: reported as one line naming the file (and line, when known), never a traceback."""

    def __init__(self, path: str, problem: str, line: int | None = None, column: int | None = None):
        super().__init__(problem)
        self.path = path
        self.problem = problem
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class Unreadable:
    """An input the run could not analyze: the error line the user reads, and the file (and line,
    when known) it names, so that a report can point at them."""

    text: str
    path: str
    line: int | None = None

    @classmethod
    def of(cls, error: InputError) -> Unreadable:
        return cls(str(error), error.path, error.line)
