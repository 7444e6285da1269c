"""Terraform's string and encoding functions (split, replace, trim*, regex, base64*, jsondecode...), as Terraform defines them; evaluated without running anything."""

from __future__ import annotations

from typing import Any, Callable

FUNCTIONS: dict[str, Callable[..., Any]] = {}
