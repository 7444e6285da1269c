"""Bytes on disk -> a decoded `Plan`, or an `InputError` that names the file, line and problem."""

from __future__ import annotations

import codecs
import re

import msgspec

from tflint_sg.errors import InputError
from tflint_sg.load.plan.format import Plan
from tflint_sg.paths import read_bytes

KNOWN_FORMAT_VERSIONS = ("0.1", "0.2", "1.0", "1.1", "1.2")

_DECODER = msgspec.json.Decoder(Plan)
_BYTE_OFFSET = re.compile(r"\(byte (\d+)\)")


def to_utf8(data: bytes, path: str) -> bytes:
    """Plans saved by PowerShell redirection are UTF-16; msgspec wants UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    encoding = None
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        encoding = "utf-16-be"
    if encoding is None:
        # msgspec does not check the text of values it keeps raw or skips; checking here makes
        # a bad byte one clear error. ASCII, what Terraform mostly writes, needs no decoding.
        try:
            if not data.isascii():
                data.decode("utf-8")
        except UnicodeDecodeError as error:
            line, column = _line_and_column(data, error.start)
            raise InputError(path, f"not UTF-8 text: invalid byte 0x{data[error.start]:02x}", line, column) from None
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeError as error:
        raise InputError(path, f"invalid {encoding.upper()} text: {error.reason}") from None


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def decode_plan(data: bytes, path: str) -> Plan:
    if not data or data.isspace():  # (strip() would copy the whole file)
        raise InputError(path, "empty file, expected the output of `terraform show -json PLANFILE`")
    try:
        plan = _DECODER.decode(data)
    except msgspec.ValidationError as error:
        message = str(error)
        if "$." not in message and "got" in message:
            raise InputError(path, f"not a Terraform plan: the top level must be a JSON object ({message})") from None
        raise InputError(path, f"not a valid Terraform plan: {message}") from None
    except msgspec.DecodeError as error:
        message = str(error)
        match = _BYTE_OFFSET.search(message)
        if "truncated" in message:
            line, column = _line_and_column(data, len(data))
            raise InputError(path, "not valid JSON: the file ends in the middle of a value (truncated?)", line, column) from None
        if match:
            line, column = _line_and_column(data, int(match.group(1)))
            reason = _BYTE_OFFSET.sub("", message).replace("JSON is malformed:", "").strip()
            raise InputError(path, f"not valid JSON: {reason}", line, column) from None
        raise InputError(path, f"not valid JSON: {message}") from None
    except (RecursionError, MemoryError):
        raise InputError(path, "JSON nested too deeply or too large to read") from None
    if plan.lineage is not None:
        raise InputError(path, "this is a Terraform state file, not a plan: run `terraform show -json PLANFILE`")
    if plan.planned_values is None and plan.resource_changes is None:
        if bytes(plan.values) != b"null":
            raise InputError(path, "this is Terraform state (`terraform show -json` without a plan file), not a plan")
        raise InputError(
            path, "not a Terraform plan: no planned_values or resource_changes (expected `terraform show -json PLANFILE`)"
        )
    return plan


def read_plan(path: str) -> Plan:
    return decode_plan(to_utf8(read_bytes(path), path), path)
