"""Terraform's numeric and IP network functions (max, min, abs, parseint, cidrhost, cidrsubnets...), as Terraform defines them; evaluated without running anything."""

from __future__ import annotations

from typing import Any, Callable

FUNCTIONS: dict[str, Callable[..., Any]] = {}
