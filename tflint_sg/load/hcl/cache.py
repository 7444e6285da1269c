"""The parse cache: parsed `.tf` files on disk, keyed by path and content, so a second run over
an unchanged repository skips the parser.

It lives in the user's cache directory ($TFLINT_SG_CACHE_DIR, else $XDG_CACHE_HOME/tflint-sg,
else ~/.cache/tflint-sg), never beside the input; deleting it is always safe. An entry is
written to a temporary name and renamed, so runs in parallel (pre-commit) never read half an
entry. The key covers the parser's own code, so a new version of tflint-sg or python-hcl2
never reads an old entry. Entries are pickles, so the cache is used only in a directory that
this user owns and nobody else may write to; anything else (no home directory, a directory
shared with others) turns the cache off rather than trusting it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile

_enabled = True
_root: str | None = None  # the cache directory, once checked
_code_tag: bytes | None = None


def disable() -> None:
    global _enabled
    _enabled = False


def key(path: str, data: bytes) -> str | None:
    """The entry for a file's content at an absolute path; None when the cache is off."""
    if not _enabled:
        return None
    digest = hashlib.sha256(_parser_code_tag())
    digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(data)
    return digest.hexdigest()


def encode(value) -> bytes | None:
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an expression nested past pickle's recursion limit: not kept
        return None


def decode(data: bytes):
    return pickle.loads(data)


def load(entry: str | None):
    """The cached value, or None."""
    root = _usable_root() if entry else None
    if root is None:
        return None
    try:
        with open(_entry_path(root, entry), "rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, unreadable or damaged: parse again
        return None


def store(entry: str | None, encoded: bytes | None) -> None:
    """Keeps `encode(value)` under the entry."""
    root = _usable_root() if entry and encoded is not None else None
    if root is None:
        return
    target = _entry_path(root, entry)
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


def directory() -> str | None:
    """Where the cache lives, if there is a sensible place: an absolute path."""
    configured = os.environ.get("TFLINT_SG_CACHE_DIR")
    if configured:
        return os.path.abspath(configured)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):  # no home directory: never a cache in the working directory
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "tflint-sg")


def _usable_root() -> str | None:
    global _root, _enabled
    if _root is None and _enabled:
        root = directory()
        try:
            if root is None:
                raise OSError("no cache directory")
            os.makedirs(root, mode=0o700, exist_ok=True)
            status = os.stat(root)
            if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
                raise OSError("the cache directory is not private to this user")
            _root = root
        except OSError:
            _enabled = False
    return _root if _enabled else None


def _entry_path(root: str, entry: str) -> str:
    return os.path.join(root, "parse", entry[:2], entry)


def _parser_code_tag() -> bytes:
    """What a cached parse depends on: the code that builds blocks and expressions, the HCL
    grammar package, and the Python version (pickle's classes and format)."""
    global _code_tag
    if _code_tag is None:
        from importlib.metadata import PackageNotFoundError, version

        from tflint_sg import __version__

        digest = hashlib.sha256(f"{sys.version_info[:2]};tflint-sg={__version__};".encode())
        for name in ("python-hcl2", "lark"):
            try:
                digest.update(f"{name}={version(name)};".encode())
            except PackageNotFoundError:
                pass
        here = os.path.dirname(os.path.abspath(__file__))
        for name in ("parse.py", "tree.py", "syntax.py"):
            try:
                with open(os.path.join(here, name), "rb") as handle:
                    digest.update(handle.read())
            except OSError:  # installed without sources: the version above stands for them
                pass
        _code_tag = digest.digest()
    return _code_tag
