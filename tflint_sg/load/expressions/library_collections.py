"""Terraform's collection and type-conversion functions (range, zipmap, set*, sort, slice, one...), as Terraform defines them; evaluated without running anything."""

from __future__ import annotations

from typing import Any, Callable

FUNCTIONS: dict[str, Callable[..., Any]] = {}
