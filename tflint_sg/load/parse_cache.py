"""The parse cache: parsed `.tf` files on disk, keyed by path and content, so a second run over
an unchanged repository skips the parser.

It lives in the user's cache directory ($TFLINT_SG_CACHE_DIR, else $XDG_CACHE_HOME/tflint-sg,
else ~/.cache/tflint-sg), never beside the input; deleting it is always safe. An entry is
written to a temporary name and renamed, so runs in parallel (pre-commit) never read half an
entry. The key covers the parser's own code, so a new version of tflint-sg or python-hcl2
never reads an old entry. Entries are pickles, so the directory is made private to the user.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile

from tflint_sg.paths import real_path

_enabled = True
_directory: str | None = None
_code_tag: bytes | None = None


def disable() -> None:
    global _enabled
    _enabled = False


def directory() -> str:
    global _directory
    if _directory is None:
        configured = os.environ.get("TFLINT_SG_CACHE_DIR")
        if configured:
            _directory = configured
        else:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            _directory = os.path.join(base, "tflint-sg")
    return _directory


def key(path: str, data: bytes) -> str:
    digest = hashlib.sha256(_parser_code_tag())
    digest.update(real_path(path).encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def load(entry: str):
    """The cached value, or None."""
    if not _enabled:
        return None
    try:
        with open(_entry_path(entry), "rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, unreadable or damaged: parse again
        return None


def encode(value) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes):
    return pickle.loads(data)


def store(entry: str, encoded: bytes) -> None:
    """Keeps `encode(value)` under the entry."""
    if not _enabled:
        return
    target = _entry_path(entry)
    temporary = None
    try:
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(encoded)
        os.replace(temporary, target)
    except Exception:  # a read-only or full disk only costs speed
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


def _entry_path(entry: str) -> str:
    return os.path.join(directory(), "parse", entry[:2], entry)


def _parser_code_tag() -> bytes:
    """What a cached parse depends on: the code that builds blocks and expressions, the HCL
    grammar package, and the Python version (pickle's classes and format)."""
    global _code_tag
    if _code_tag is None:
        from importlib.metadata import PackageNotFoundError, version

        digest = hashlib.sha256(repr(sys.version_info[:2]).encode())
        for name in ("python-hcl2", "lark"):
            try:
                digest.update(f"{name}={version(name)};".encode())
            except PackageNotFoundError:
                pass
        here = os.path.dirname(os.path.abspath(__file__))
        for name in ("hcl_parse.py", "hcl_tree.py", "hcl_expr.py"):
            with open(os.path.join(here, name), "rb") as handle:
                digest.update(handle.read())
        _code_tag = digest.digest()
    return _code_tag
