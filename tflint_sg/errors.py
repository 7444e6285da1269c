"""The one exception type that carries a user-facing input problem."""


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
