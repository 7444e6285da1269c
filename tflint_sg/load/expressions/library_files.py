"""Terraform's file functions: `file`, `filebase64`, `fileexists` and `templatefile`.

Each reads through the scope's `ConfigFiles` (expressions/files.py), the one place that knows
where the configuration's files may be read. A file that does not exist is Terraform's error
(`Missing`, which `try` recovers from); one that cannot or may not be read is unknown.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from typing import Any, Callable

from tflint_sg.config import Unknown
from tflint_sg.load.expressions.values import Lazy, Missing, Scope, to_string, unknown_in
from tflint_sg.load.hcl.syntax import Expr

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
Evaluate = Callable[[Expr, Scope], Any]


def _path(name: str, value: Any) -> str | Unknown:
    if unknown_in(value):
        return Unknown(f"{name}() of a path unknown until apply")
    text = to_string(value) if not isinstance(value, bool) else None
    if text is None:
        return Missing(f"{name}(): the path must be a string")
    return text


def _bytes(name: str, scope: Scope, path_value: Any) -> bytes | Unknown:
    if scope.files is None:
        return Unknown(f"{name}() reads no files here")
    path = _path(name, path_value)
    return path if isinstance(path, Unknown) else scope.files.read(path)


def _text(name: str, data: bytes, path: str) -> str | Missing:
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8"))  # cty keeps strings in NFC
    except UnicodeDecodeError:
        return Missing(f"{name}(): the contents of {path!r} are not valid UTF-8")


def _file(scope: Scope, evaluate: Evaluate, path: Any) -> Any:
    data = _bytes("file", scope, path)
    return data if isinstance(data, Unknown) else _text("file", data, str(path))


def _filebase64(scope: Scope, evaluate: Evaluate, path: Any) -> Any:
    data = _bytes("filebase64", scope, path)
    return data if isinstance(data, Unknown) else base64.b64encode(data).decode("ascii")


def _fileexists(scope: Scope, evaluate: Evaluate, path: Any) -> Any:
    if scope.files is None:
        return Unknown("fileexists() reads no files here")
    text = _path("fileexists", path)
    return text if isinstance(text, Unknown) else scope.files.exists(text)


def _templatefile(scope: Scope, evaluate: Evaluate, path: Any, variables: Any) -> Any:
    if getattr(scope.files, "in_template", False):
        return Missing("templatefile() cannot be called from inside a template")
    if isinstance(variables, Lazy) or unknown_in(variables):
        return Unknown("templatefile() with variables unknown until apply")
    if not isinstance(variables, dict):
        return Missing("templatefile(): the variables must be a map or object")
    for key in variables:
        if not _IDENTIFIER.fullmatch(key):
            return Missing(f"templatefile(): {key!r} is not a valid variable name")
    data = _bytes("templatefile", scope, path)
    if isinstance(data, Unknown):
        return data
    text = _text("templatefile", data, str(path))
    if isinstance(text, Missing):
        return text
    return render_template(scope, evaluate, text, variables, str(path))


def render_template(scope: Scope, evaluate: Evaluate, text: str, variables: dict, where: str) -> Any:
    """A template's text rendered with `variables` as its only names, as `templatefile` and the
    `template_file` data source render."""
    parsed = scope.files.parsed_templates.get(text)
    if parsed is None:
        from tflint_sg.load.hcl.template import free_names
        from tflint_sg.load.hcl.tree import template_from_text

        try:
            template = template_from_text(text)
        except RecursionError:
            return Unknown(f"templatefile(): {where} is nested too deeply")
        parsed = scope.files.parsed_templates[text] = template, free_names(template)
    template, names = parsed
    undefined = sorted(names - set(variables))
    if undefined:
        # Terraform checks every reference, also in branches the values do not take.
        return Missing(f"templatefile(): the variables have no {undefined[0]!r}, which {where} refers to")
    inner = Scope(lambda name: Missing(f"{name} is not a template variable"), dict(variables),
                  _InsideTemplate(scope.files))
    return evaluate(template, inner)


class _InsideTemplate:
    """The files a template's own expressions may read: the same, but no templatefile again."""

    in_template = True

    def __init__(self, files: Any):
        self._files = files

    def __getattr__(self, name: str) -> Any:
        return getattr(self._files, name)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "file": _file,
    "filebase64": _filebase64,
    "fileexists": _fileexists,
    "templatefile": _templatefile,
}
