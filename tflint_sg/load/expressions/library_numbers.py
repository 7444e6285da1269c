"""Terraform's numeric and IP network functions (max, min, abs, parseint, cidrhost, cidrsubnets...), as Terraform defines them; evaluated without running anything.

Each function takes plain values (functions.py has already evaluated the arguments and passed on
any definite error). An argument known only after apply gives `Unknown`; an argument Terraform
rejects (a value of the wrong type, a number out of range, an invalid CIDR prefix) gives
`Missing`, the definite error that `try()` and `can()` recover from. Where this module cannot be
sure how Terraform reads an input, it answers `Unknown` rather than guess.
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any, Callable

from tflint_sg.config import Unknown
from tflint_sg.load.expressions.values import Missing, unknown_in

_NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


class _Undecided(Exception):
    """An input whose meaning to Terraform this module is not sure of: the result is Unknown."""


class _Error(Exception):
    """An input Terraform rejects: the result is Missing."""


def _number(value: Any, what: str) -> int | float:
    """A number argument as Terraform converts it: numbers, and strings that spell one."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise _Error(f"{what} must be a number")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise _Undecided(f"{what} is not a finite number")
        return value
    if isinstance(value, str):
        if not any(char.isdigit() for char in value):
            raise _Error(f"{what}: {value!r} is not a number")
        if not _NUMBER_TEXT.fullmatch(value):
            raise _Undecided(f"{what}: {value!r} as a number")
        number = float(value)
        if "." not in value and "e" not in value.lower():
            return int(value)
        return int(number) if number.is_integer() else number
    raise _Undecided(f"{what} of an unexpected kind")


def _whole(value: Any, what: str) -> int:
    number = _number(value, what)
    if isinstance(number, float):
        if not number.is_integer():
            raise _Error(f"{what} must be a whole number")
        return int(number)
    return number


def _tidy(number: int | float) -> int | float:
    """Whole numbers as int, as the evaluator keeps them."""
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _guarded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        if unknown_in(*args) or any(isinstance(a, list) and unknown_in(*a) for a in args):
            return Unknown(f"{name}() of a value unknown until apply")
        try:
            return function(*args)
        except _Error as error:
            return Missing(f"{name}(): {error}")
        except _Undecided as error:
            return Unknown(f"{name}(): {error}")
        except TypeError:  # a wrong number of arguments: Terraform rejects the call
            return Missing(f"{name}(): wrong number of arguments")
    return run


# --- numbers -----------------------------------------------------------------------------------

def _extreme(pick: Callable[..., Any], what: str) -> Callable[..., Any]:
    def extreme(*values: Any) -> Any:
        if not values:
            raise _Error(f"{what} needs at least one argument")
        return _tidy(pick(_number(v, "an argument") for v in values))
    return extreme


def _abs(value: Any) -> Any:
    return _tidy(abs(_number(value, "the argument")))


def _ceil(value: Any) -> Any:
    return math.ceil(_number(value, "the argument"))


def _floor(value: Any) -> Any:
    return math.floor(_number(value, "the argument"))


def _log(value: Any, base: Any) -> Any:
    number, base_number = _number(value, "the number"), _number(base, "the base")
    if number <= 0 or base_number <= 0 or base_number == 1:
        raise _Undecided("a logarithm that is not a finite number")
    return _tidy(math.log(number) / math.log(base_number))


def _pow(value: Any, power: Any) -> Any:
    number, exponent = _number(value, "the base"), _number(power, "the power")
    try:
        result = math.pow(number, exponent)
    except (ValueError, OverflowError):
        raise _Undecided("a power that is not a finite number") from None
    if not math.isfinite(result):
        raise _Undecided("a power that is not a finite number")
    return _tidy(result)


def _signum(value: Any) -> Any:
    number = _number(value, "the argument")
    return (number > 0) - (number < 0)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parseint(text: Any, base: Any) -> Any:
    if not isinstance(text, str):
        raise _Error("the first argument must be a string")
    radix = _whole(base, "the base")
    if not 2 <= radix <= 62:
        raise _Error("the base must be between 2 and 62")
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits:
        raise _Error(f"cannot parse {text!r} as a base {radix} integer")
    result = 0
    for char in digits:
        position = _DIGITS.find(char.lower() if radix <= 36 else char)
        if position < 0 or position >= radix:
            raise _Error(f"cannot parse {text!r} as a base {radix} integer")
        result = result * radix + position
    return -result if text.startswith("-") else result


# --- IP networks -------------------------------------------------------------------------------

_IPV4_LEADING_ZEROS = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}")


def _network(prefix: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR prefix as Terraform reads it: the address with its host bits cleared."""
    if not isinstance(prefix, str):
        raise _Error("the prefix must be a string")
    address, slash, length = prefix.partition("/")
    if not slash or not length.isdigit() or not length.isascii():
        raise _Error(f"invalid CIDR expression {prefix!r}")
    if len(length) > 1 and length.startswith("0"):
        raise _Undecided(f"a prefix length with a leading zero ({prefix!r})")
    if _IPV4_LEADING_ZEROS.fullmatch(address):
        # Terraform reads IPv4 octets with leading zeros as decimal numbers.
        address = ".".join(str(int(octet)) for octet in address.split("."))
    try:
        network = ipaddress.ip_network(f"{address}/{length}", strict=False)
    except ValueError:
        raise _Error(f"invalid CIDR expression {prefix!r}") from None
    if isinstance(network, ipaddress.IPv6Network) and (
            network.network_address.ipv4_mapped is not None or "." in address):
        raise _Undecided("an IPv6 prefix holding an IPv4 address")  # written back in IPv4 form
    return network


def _address(network: Any, value: int) -> str:
    return str(ipaddress.ip_address(value) if network.version == 4 else ipaddress.IPv6Address(value))


def _cidrhost(prefix: Any, hostnum: Any) -> Any:
    network = _network(prefix)
    number = _whole(hostnum, "the host number")
    size = network.num_addresses
    if number < 0:
        number += size  # counts from the end: -1 is the last address
    if not 0 <= number < size:
        raise _Error(f"prefix of {network.prefixlen} bits does not accommodate host number {hostnum}")
    return _address(network, int(network.network_address) + number)


def _cidrnetmask(prefix: Any) -> Any:
    network = _network(prefix)
    if network.version != 4:
        raise _Error("IPv6 addresses cannot have a netmask")
    return str(network.netmask)


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> Any:
    network = _network(prefix)
    bits, number = _whole(newbits, "newbits"), _whole(netnum, "netnum")
    if bits < 0 or number < 0:
        raise _Undecided("a negative newbits or netnum")
    new_length = network.prefixlen + bits
    if new_length > network.max_prefixlen:
        raise _Error(f"insufficient address space to extend prefix of {network.prefixlen} by {bits}")
    if number >= 2 ** bits:
        raise _Error(f"prefix extension of {bits} does not accommodate a subnet numbered {number}")
    start = int(network.network_address) + (number << (network.max_prefixlen - new_length))
    return f"{_address(network, start)}/{new_length}"


def _cidrsubnets(prefix: Any, *newbits: Any) -> Any:
    """Consecutive subnets, each starting at the first address after the previous one that is
    aligned to its own size."""
    network = _network(prefix)
    if not newbits:
        return []
    if int(network.network_address) == 0:
        raise _Undecided("subnets of a prefix at address zero")
    width = network.max_prefixlen
    end = int(network.broadcast_address)
    subnets = []
    following = int(network.network_address)  # the first address not yet allocated
    for value in newbits:
        bits = _whole(value, "newbits")
        if bits < 1:
            raise _Error("must extend prefix by at least one bit")
        length = network.prefixlen + bits
        if length > width:
            raise _Error(f"would extend prefix to {length} bits, too long for an IPv{network.version} address")
        size = 1 << (width - length)
        start = -(-following // size) * size  # the next address aligned to the subnet's size
        if start + size - 1 > end:
            raise _Error(f"not enough remaining address space for a subnet with a prefix of {length} bits")
        subnets.append(f"{_address(network, start)}/{length}")
        following = start + size
    return subnets


FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: _guarded(name, function) for name, function in {
        "max": _extreme(max, "max"),
        "min": _extreme(min, "min"),
        "abs": _abs,
        "ceil": _ceil,
        "floor": _floor,
        "log": _log,
        "pow": _pow,
        "signum": _signum,
        "parseint": _parseint,
        "cidrhost": _cidrhost,
        "cidrnetmask": _cidrnetmask,
        "cidrsubnet": _cidrsubnet,
        "cidrsubnets": _cidrsubnets,
    }.items()
}
