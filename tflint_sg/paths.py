"""The repository a path belongs to: where URIs are relative to, and what modules may not leave."""

from __future__ import annotations

import os


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
