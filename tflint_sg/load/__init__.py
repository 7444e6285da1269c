"""Loaders: each input kind becomes the same `Config`."""

from __future__ import annotations

import os

from tflint_sg.config import Config
from tflint_sg.errors import InputError


def load(path: str) -> Config:
    if os.path.isdir(path):
        raise InputError(
            path,
            "is a directory; this version reads plans: run `terraform plan -out=tfplan && "
            "terraform show -json tfplan > plan.json` and pass plan.json",
        )
    from tflint_sg.load.plan import load_plan

    return load_plan(path)
