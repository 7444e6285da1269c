"""The repository a path belongs to: where URIs are relative to, and what modules may not leave."""

from __future__ import annotations

import functools
import os

from tflint_sg.errors import InputError

def real_path(path: str) -> str:
    return _resolved(os.path.abspath(path))


# Resolving symlinks costs a system call per path component; a run asks for the same paths
# many times, and they do not change while it runs.
_resolved = functools.lru_cache(maxsize=None)(os.path.realpath)


def repository_root(start: str) -> str:
    """The nearest directory at or above start's directory holding `.git`, else the working directory."""
    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return os.getcwd()
        current = parent


def read_bytes(path: str) -> bytes:
    """A file's bytes, or an InputError that says in a few words why not."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as error:
        raise InputError(path, f"cannot be read: {error.strerror or error}") from None


def read_utf8(path: str) -> str:
    return decode_utf8(path, read_bytes(path))


def decode_utf8(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(path, f"is not UTF-8 text (byte {error.start})") from None
