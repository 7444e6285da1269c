"""What evaluating an expression yields besides plain values: sets, values computed on demand,
the definite errors `try()` recovers from, and the scope that resolves reference roots."""

from __future__ import annotations

from typing import Any, Callable

from tflint_sg.config import Ref, Unknown


class Missing(Unknown):
    """A definite error Terraform would raise (a missing attribute or key of a known value):
    the one kind of failure `try()` and `can()` recover from."""


class ReferenceCycle(Unknown):
    """A value that depends on itself: Terraform rejects the configuration."""


class TfSet(list):
    """A set: iterating it binds each element as its own key (`each.key`, `for k, v in ...`)."""


class Lazy:
    """A value whose parts are computed on demand (a module, a resource, a namespace)."""

    def attr(self, name: str) -> Any:
        return Unknown(f"no attribute {name}")

    def index(self, key: Any) -> Any:
        return Unknown(f"cannot index with {key!r}")

    def elements(self) -> Any:
        """The value as a list, for splats and for-expressions."""
        return [self]

    def mapping(self) -> Any:
        """The value as a map of instance keys, for `for_each`."""
        return Unknown("not a collection")


class Scope:
    """Resolves the root names of references; `with_names` adds for-expression variables.
    `files` (expressions/files.py) is what the file functions may read: none where Terraform
    reads no files (tfvars, type constraints, settings)."""

    def __init__(self, resolve: Callable[[str], Any], names: dict[str, Any] | None = None, files: Any = None):
        self._resolve = resolve
        self._names = names or {}
        self.files = files

    def lookup(self, name: str) -> Any:
        if name in self._names:
            return self._names[name]
        return self._resolve(name)

    def with_names(self, names: dict[str, Any]) -> Scope:
        return Scope(self._resolve, {**self._names, **names}, self.files)


def is_unknown(value: Any) -> bool:
    return isinstance(value, (Unknown, Ref))


def to_string(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None


def unknown_in(*values: Any) -> bool:
    """Whether any of the values is known only after apply (or not at all)."""
    return any(isinstance(value, (Unknown, Ref)) for value in values)
