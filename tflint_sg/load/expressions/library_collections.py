"""Terraform's collection and type-conversion functions (range, zipmap, set*, sort, slice, one...), as Terraform defines them; evaluated without running anything.

Each function takes plain values (functions.py has already evaluated the arguments and passed on
any definite error). An argument known only after apply gives `Unknown` where the result depends
on it; an argument Terraform rejects (a value of the wrong type, an index out of range, an empty
list where one element is needed) gives `Missing`, the definite error `try()` and `can()` recover
from. Where this module cannot be sure how Terraform reads an input (how it unifies the types of
objects, the hash order of a set of objects), it answers `Unknown` rather than guess.

Sets are `TfSet`s in Terraform's order: strings lexically, numbers ascending, false before true.
A set of lists or objects iterates in an order Terraform derives from hashes; such a set keeps
its first-seen order here, and any function that would expose that order answers `Unknown`.
"""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Any, Callable

from tflint_sg.config import Ref, Unknown
from tflint_sg.load.expressions.library_strings import _simple_clusters
from tflint_sg.load.expressions.library_strings import _Undecided as UnsureText
from tflint_sg.load.expressions.values import Lazy, Missing, TfSet, as_number, to_string

_RANGE_LIMIT = 1024  # Terraform refuses to build a range of more numbers than this


class _Error(Exception):
    """An input Terraform rejects: the result is Missing."""


class _Undecided(Exception):
    """An input whose meaning to Terraform this module is not sure of: the result is Unknown."""


class _Pending(Exception):
    """The result depends on a value known only after apply."""


# --- value kinds -------------------------------------------------------------------------------

def _opaque(value: Any) -> bool:
    return isinstance(value, (Unknown, Ref, Lazy))


def _has_opaque(value: Any) -> bool:
    if _opaque(value):
        return True
    if isinstance(value, list):
        return any(_has_opaque(item) for item in value)
    if isinstance(value, dict):
        return any(_has_opaque(item) for item in value.values())
    return False


def _has_lazy(value: Any) -> bool:
    if isinstance(value, Lazy):
        return True
    if isinstance(value, list):
        return any(_has_lazy(item) for item in value)
    if isinstance(value, dict):
        return any(_has_lazy(item) for item in value.values())
    return False


def _scalar_ref(value: Any) -> bool:
    """A reference to an id or ARN: a string known after apply, never a list."""
    return isinstance(value, Ref) and (value.attribute in ("id", "arn") or value.attribute.endswith(("_id", "_arn")))


def _distinct_ref(value: Any) -> bool:
    """A reference to the id or ARN of a resource this configuration creates: it differs from any
    other such reference and from every string the configuration spells out."""
    return _scalar_ref(value) and not value.address.startswith("data.") and ".data." not in value.address


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _primitive(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _signature(value: Any) -> Any:
    """A value's type, enough to tell when values of a collection need no conversion."""
    kind = _primitive(value)
    if kind:
        return kind
    if isinstance(value, TfSet):
        return ("set", frozenset(_signature(item) for item in value))
    if isinstance(value, list):
        return ("list", frozenset(_signature(item) for item in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((key, _signature(item)) for key, item in value.items())))
    return ("other", id(value))


def _key(value: Any) -> Any:
    """A hashable stand-in that is equal exactly when Terraform's values are equal."""
    if isinstance(value, bool):
        return ("bool", value)
    if _is_number(value):
        return ("number", Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null",)
    if isinstance(value, TfSet):
        return ("set", frozenset(_key(item) for item in value))
    if isinstance(value, list):
        return ("list", tuple(_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((key, _key(item)) for key, item in value.items())))
    if isinstance(value, Ref):
        return ("ref", value.address, value.attribute)
    return ("other", id(value))


def _unify(items: list, what: str) -> list:
    """The elements converted to the one type Terraform gives a list or set made of them (a set
    stays a set, in its order)."""
    unified = _unify_items(items, what)
    return TfSet(unified) if isinstance(items, TfSet) else unified


def _unify_items(items: list, what: str) -> list:
    known = [item for item in items if item is not None and not _opaque(item)]
    kinds = {_primitive(item) for item in known}
    if not known:
        return list(items)
    if None in kinds:  # some element is a collection
        if kinds != {None}:
            raise _Error(f"{what}: elements of a collection and of a primitive type do not unify")
        if len({_signature(item) for item in known}) > 1:
            raise _Undecided(f"{what}: collections of different types")
        return list(items)
    if len(kinds) == 1:
        if kinds == {"string"} or not any(_opaque(item) for item in items):
            return list(items)
        # An element known only after apply may be a string that turns the rest into strings.
        raise _Pending(f"{what}: the element type depends on a value unknown until apply")
    if "string" not in kinds:
        raise _Error(f"{what}: numbers and bools do not unify")
    return [item if item is None or _opaque(item) else to_string(item) for item in items]


def _set_order(items: list) -> TfSet:
    """Distinct elements in Terraform's set order."""
    unique: dict = {}
    refs: dict = {}
    for item in items:
        if _distinct_ref(item):
            refs.setdefault(_key(item), item)  # its place among the strings is known only after apply
            continue
        if _opaque(item) or _has_opaque(item):
            raise _Pending("a set element unknown until apply")
        if item is None:
            raise _Undecided("a null set element")
        unique.setdefault(_key(item), item)
    values = list(unique.values())
    kinds = {_primitive(item) for item in values}
    if refs and kinds - {"string"}:
        raise _Pending("a set element unknown until apply")
    if kinds == {"string"} or kinds == {"number"}:
        values.sort()
    elif kinds == {"bool"}:
        values.sort()  # false before true
    return TfSet(values + list(refs.values()))


def _ordered(value: list, what: str) -> list:
    """A sequence's elements in order; a set of collections has an order this module does not know."""
    if isinstance(value, TfSet) and any(isinstance(item, (list, dict)) for item in value):
        raise _Undecided(f"{what}: the order of a set of collections")
    if isinstance(value, TfSet) and any(_opaque(item) for item in value):
        raise _Pending(f"{what}: the order of a set with elements known only after apply")
    return list(value)


def _sequence(value: Any, what: str, sets: bool = True) -> list:
    """A list, tuple (or, with `sets`, set) argument."""
    if _opaque(value):
        raise _Pending(f"{what} of a value unknown until apply")
    if value is None:
        raise _Error(f"{what}: the argument must not be null")
    if not isinstance(value, list) or (isinstance(value, TfSet) and not sets):
        raise _Error(f"{what}: the argument must be a list{', set' if sets else ''} or tuple")
    return value


def _mapping(value: Any, what: str) -> dict:
    if _opaque(value):
        raise _Pending(f"{what} of a value unknown until apply")
    if value is None:
        raise _Error(f"{what}: the argument must not be null")
    if not isinstance(value, dict):
        raise _Error(f"{what}: the argument must be a map or object")
    return value


def _number(value: Any, what: str) -> int | float:
    if _opaque(value):
        raise _Pending(f"{what} unknown until apply")
    if value is None:
        raise _Error(f"{what} must not be null")
    number = None if isinstance(value, (list, dict)) else as_number(value)
    if number is None:
        raise _Error(f"{what} must be a number")
    return number


def _whole(value: Any, what: str) -> int:
    number = _number(value, what)
    if isinstance(number, float):
        if not number.is_integer():
            raise _Error(f"{what} must be a whole number")
        number = int(number)
    return number


def _string(value: Any, what: str) -> str:
    if _opaque(value):
        raise _Pending(f"{what} unknown until apply")
    if value is None:
        raise _Error(f"{what} must not be null")
    text = to_string(value)
    if text is None:
        raise _Error(f"{what} must be a string")
    return text


def _tidy(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _equal(left: Any, right: Any) -> bool:
    return _key(left) == _key(right)


def _guarded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(function)

    def run(*args: Any) -> Any:
        try:
            signature.bind(*args)
        except TypeError:
            return Missing(f"{name}(): wrong number of arguments")
        try:
            return function(*args)
        except _Pending as why:
            return Unknown(f"{name}(): {why}")
        except _Undecided as why:
            return Unknown(f"{name}(): {why}")
        except _Error as error:
            if any(_has_lazy(arg) for arg in args):
                # A module or resource handed in as a list of itself: not sure it is wrong.
                return Unknown(f"{name}() of a module or resource value")
            return Missing(f"{name}(): {error}")
        except (TypeError, ValueError, ArithmeticError):  # an input this module does not expect
            return Unknown(f"{name}() on values it does not evaluate")
    return run


# --- sequences ---------------------------------------------------------------------------------

def _range(*args: Any) -> list:
    if not 1 <= len(args) <= 3:
        raise _Error("takes one to three arguments")
    numbers = [_number(arg, "an argument") for arg in args]
    if len(numbers) == 1:
        start, limit = Decimal(0), Decimal(repr(numbers[0]))
        step = Decimal(1) if limit >= start else Decimal(-1)
    else:
        start, limit = Decimal(repr(numbers[0])), Decimal(repr(numbers[1]))
        step = Decimal(repr(numbers[2])) if len(numbers) == 3 else (
            Decimal(1) if limit >= start else Decimal(-1))
    if step == 0:
        raise _Error("step must not be zero")
    out: list = []
    current = start
    while (current < limit) if step > 0 else (current > limit):
        if len(out) == _RANGE_LIMIT:
            raise _Error(f"more than {_RANGE_LIMIT} numbers")
        out.append(_tidy(current))
        current += step
    return out


def _zipmap(keys: Any, values: Any) -> dict:
    names = _ordered(_sequence(keys, "keys"), "keys")
    items = _ordered(_sequence(values, "values"), "values")
    if len(names) != len(items):
        raise _Error("keys and values must have the same length")
    result: dict = {}
    for name, item in zip(names, items):
        result[_string(name, "a key")] = item  # a repeated key takes its last value
    return result


def _element(value: Any, position: Any) -> Any:
    items = _sequence(value, "element", sets=False)
    index = _whole(position, "the index")
    if not items:
        raise _Error("an empty list has no elements")
    if index < 0:
        raise _Error("the index must not be negative")
    return items[index % len(items)]


def _index(value: Any, item: Any) -> int:
    items = _sequence(value, "index", sets=False)
    if not items:
        raise _Error("cannot search an empty list")
    if _opaque(item) or _has_opaque(item):
        raise _Pending("the value unknown until apply")
    for position, candidate in enumerate(items):
        if _has_opaque(candidate):
            raise _Pending("an element unknown until apply")
        if _equal(candidate, item):
            return position
    raise _Error("item not found")


def _slice(value: Any, start: Any, end: Any) -> list:
    first, last = _whole(start, "the start index"), _whole(end, "the end index")
    if isinstance(value, (Unknown, Ref)) and 0 <= first <= last:
        # `slice(data.aws_availability_zones.available.names, 0, 3)`: whatever the list holds,
        # the result has exactly `last - first` elements, or Terraform stops with an error.
        # Its length decides counts (one subnet per zone) even while the elements are unknown.
        return [Unknown(f"element {index} of a list unknown until apply") for index in range(first, last)]
    items = _sequence(value, "slice", sets=False)
    if first < 0:
        raise _Error("the start index must not be negative")
    if last > len(items):
        raise _Error("the end index must not be greater than the length of the list")
    if first > last:
        raise _Error("the start index must not be greater than the end index")
    return items[first:last]


def _chunklist(value: Any, size: Any) -> list:
    items = _ordered(_unify(_sequence(value, "chunklist"), "chunklist"), "chunklist")
    count = _whole(size, "the size")
    if count < 0:
        raise _Error("the size must not be negative")
    if not items:
        return []
    if count == 0:
        return [items]
    return [items[i:i + count] for i in range(0, len(items), count)]


def _reverse(value: Any) -> list:
    items = _sequence(value, "reverse")
    if isinstance(items, TfSet):
        raise _Undecided("reverse of a set")
    return items[::-1]


def _concat(*lists: Any) -> list:
    if not lists:
        raise _Error("at least one argument is required")
    return [item for value in lists for item in _sequence(value, "concat", sets=False)]


def _flatten(value: Any) -> list:
    def walk(items: list) -> list:
        flat: list = []
        for item in items:
            if isinstance(item, Lazy):
                inner = item.elements()
                if isinstance(inner, list) and len(inner) == 1 and inner[0] is item:
                    flat.append(item)  # one resource or module instance: an object
                    continue
                item = inner
            if _opaque(item) and not _scalar_ref(item):
                raise _Pending("an element unknown until apply may be a list")
            if isinstance(item, list):
                flat.extend(walk(_ordered(item, "flatten")))
            else:
                flat.append(item)
        return flat
    return walk(_ordered(_sequence(value, "flatten"), "flatten"))


def _one(value: Any) -> Any:
    items = _sequence(value, "one")
    if not items:
        return None
    if len(items) > 1:
        raise _Error("must have no more than one element")
    if isinstance(items, TfSet) and _has_opaque(items[0]):
        raise _Pending("a set element unknown until apply")
    return items[0]


def _coalescelist(*lists: Any) -> list:
    if not lists:
        raise _Error("at least one argument is required")
    for value in lists:
        if _opaque(value):
            raise _Pending("a list unknown until apply")
        if value is None:
            continue
        if not isinstance(value, list) or isinstance(value, TfSet):
            raise _Error("arguments must be lists or tuples")
        if value:
            return value
    raise _Error("no non-null arguments")


def _sort(value: Any) -> list:
    items = _sequence(value, "sort")
    if _has_opaque(items):
        raise _Pending("an element unknown until apply")
    texts = []
    for item in items:
        if item is None:
            raise _Undecided("a null element")
        texts.append(_string(item, "an element"))
    return sorted(texts)


def _sum(value: Any) -> int | float:
    items = _sequence(value, "sum")
    if not items:
        raise _Error("cannot sum an empty list")
    if _has_opaque(items):
        raise _Pending("an element unknown until apply")
    total = Decimal(0)
    for item in items:
        total += Decimal(repr(_number(item, "an element")))
    return _tidy(total)


def _bools(value: Any, what: str) -> list:
    items = _sequence(value, what)
    out = []
    for item in items:
        if _opaque(item) or item is None:
            out.append(item)
        elif isinstance(item, bool):
            out.append(item)
        elif item in ("true", "false"):
            out.append(item == "true")
        else:
            raise _Error("elements must be bools")
    return out


def _alltrue(value: Any) -> bool:
    for item in _bools(value, "alltrue"):
        if _opaque(item):
            raise _Pending("an element unknown until apply")
        if item is not True:
            return False
    return True


def _anytrue(value: Any) -> bool:
    pending = False
    for item in _bools(value, "anytrue"):
        if _opaque(item):
            pending = True
        elif item is True:
            return True
    if pending:
        raise _Pending("an element unknown until apply")
    return False


def _distinct(value: Any) -> list:
    items = _ordered(_unify(_sequence(value, "distinct"), "distinct"), "distinct")
    # Ids of resources this configuration creates are equal only to themselves.
    if any(_has_opaque(item) and not _distinct_ref(item) for item in items):
        raise _Pending("an element unknown until apply")
    unique: dict = {}
    for item in items:
        unique.setdefault(_key(item), item)
    return list(unique.values())


_NEVER_EMPTY = ("id", "arn")  # what AWS assigns a resource when it creates it


def _compact(value: Any) -> list:
    items = _sequence(value, "compact")
    out = []
    for item in items:
        if isinstance(item, Ref) and item.attribute in _NEVER_EMPTY:
            out.append(item)  # a new group's id is unknown until apply, but never ""
            continue
        if _opaque(item):
            raise _Pending("an element unknown until apply")
        if item is None:
            continue
        text = _string(item, "an element")
        if text != "":
            out.append(text)
    return out


def _contains(collection: Any, item: Any) -> bool:
    items = _sequence(collection, "contains")
    if _has_opaque(items) or _has_opaque(item):
        raise _Pending("a value unknown until apply")
    found = False
    for candidate in items:
        if _equal(candidate, item):
            found = True
        elif _primitive(candidate) and _primitive(item) and _primitive(candidate) != _primitive(item) \
                and to_string(candidate) == to_string(item):
            raise _Undecided("whether Terraform converts the value to the elements' type")
    return found


def _length(value: Any) -> int:
    if _opaque(value):
        raise _Pending("a value unknown until apply")
    if value is None:
        raise _Error("the argument must not be null")
    if isinstance(value, str):
        try:
            return len(_simple_clusters(value))
        except UnsureText as why:
            raise _Undecided(str(why)) from None
    if isinstance(value, (list, dict)):
        return len(value)
    raise _Error("the argument must be a string, a collection or a structure")


def _matchkeys(values: Any, keys: Any, searchset: Any) -> list:
    items = _ordered(_sequence(values, "values"), "values")
    names = _ordered(_sequence(keys, "keys"), "keys")
    wanted = _sequence(searchset, "searchset")
    if len(items) != len(names):
        raise _Error("values and keys must have the same length")
    if _has_opaque(names) or _has_opaque(wanted):
        raise _Pending("a key unknown until apply")
    unified = _unify(list(names) + list(wanted), "matchkeys")
    names, wanted = unified[:len(names)], unified[len(names):]
    search = {_key(item) for item in wanted}
    return [item for item, name in zip(items, names) if _key(name) in search]


def _transpose(value: Any) -> dict:
    mapping = _mapping(value, "transpose")
    result: dict = {}
    for key in sorted(mapping):
        names = _sequence(mapping[key], "a value")
        for name in _ordered(names, "a value"):
            result.setdefault(_string(name, "an element"), []).append(key)
    return result


# --- sets --------------------------------------------------------------------------------------

def _set_args(args: tuple, what: str, least: int) -> list:
    if len(args) < least:
        raise _Error(f"at least {least} argument{'s' if least > 1 else ''} required")
    return [_sequence(arg, what) for arg in args]


def _all_elements(groups: list, what: str) -> list:
    """Every group's elements unified to one type, split back into the groups."""
    flat = _unify([item for group in groups for item in group], what)
    out, at = [], 0
    for group in groups:
        out.append(flat[at:at + len(group)])
        at += len(group)
    return out


def _setunion(*args: Any) -> TfSet:
    groups = _all_elements(_set_args(args, "setunion", 1), "setunion")
    return _set_order([item for group in groups for item in group])


def _setintersection(*args: Any) -> TfSet:
    groups = _all_elements(_set_args(args, "setintersection", 1), "setintersection")
    first = _set_order(groups[0])
    others = [{_key(item) for item in _set_order(group)} for group in groups[1:]]
    return TfSet(item for item in first if all(_key(item) in other for other in others))


def _setsubtract(a: Any, b: Any) -> TfSet:
    groups = _all_elements(_set_args((a, b), "setsubtract", 2), "setsubtract")
    first, removed = _set_order(groups[0]), {_key(item) for item in _set_order(groups[1])}
    return TfSet(item for item in first if _key(item) not in removed)


def _setproduct(*args: Any) -> list:
    groups = _set_args(args, "setproduct", 2)
    all_sets = all(isinstance(group, TfSet) for group in groups)
    if any(not group for group in groups):
        return TfSet() if all_sets else []
    ordered = [_ordered(group, "setproduct") for group in groups]
    product: list = [[]]
    for group in ordered:
        product = [combo + [item] for combo in product for item in group]
    if not all_sets:
        return product
    if len(product) > 1:
        # A set of lists iterates in Terraform's hash order, which this module does not know.
        raise _Undecided("the order of a set of lists")
    return TfSet(product)


# --- maps --------------------------------------------------------------------------------------

def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if len(default) > 1:
        raise _Error("takes two or three arguments")
    values = _mapping(mapping, "lookup")
    name = _string(key, "the key")
    if name in values:
        return values[name]
    if default:
        return default[0]
    raise _Error(f"no key {name!r}")


def _keys(mapping: Any) -> list:
    return sorted(_mapping(mapping, "keys"))


def _values(mapping: Any) -> list:
    values = _mapping(mapping, "values")
    return [values[key] for key in sorted(values)]


def _merge(*maps: Any) -> dict:
    merged: dict = {}
    for mapping in maps:
        if mapping is None:
            continue
        merged.update(_mapping(mapping, "merge"))
    return merged


# --- type conversions --------------------------------------------------------------------------

def _tobool(value: Any) -> Any:
    if _opaque(value):
        raise _Pending("a value unknown until apply")
    if value is None or isinstance(value, bool):
        return value
    if value == "true" or value == "false":
        return value == "true"
    raise _Error("cannot convert to bool")


def _tolist(value: Any) -> Any:
    if value is None:
        return None
    items = _sequence(value, "tolist")
    return _ordered(_unify(items, "tolist"), "tolist")


def _toset(value: Any) -> Any:
    if value is None:
        return None
    return _set_order(_unify(_sequence(value, "toset"), "toset"))


def _tomap(value: Any) -> Any:
    if value is None:
        return None
    mapping = _mapping(value, "tomap")
    keys = sorted(mapping)
    return dict(zip(keys, _unify([mapping[key] for key in keys], "tomap")))


_TABLE: dict[str, Callable[..., Any]] = {
    "range": _range,
    "zipmap": _zipmap,
    "setproduct": _setproduct,
    "setunion": _setunion,
    "setintersection": _setintersection,
    "setsubtract": _setsubtract,
    "one": _one,
    "alltrue": _alltrue,
    "anytrue": _anytrue,
    "coalescelist": _coalescelist,
    "sort": _sort,
    "slice": _slice,
    "index": _index,
    "chunklist": _chunklist,
    "reverse": _reverse,
    "sum": _sum,
    "matchkeys": _matchkeys,
    "transpose": _transpose,
    "tobool": _tobool,
    "tolist": _tolist,
    "toset": _toset,
    "tomap": _tomap,
    "element": _element,
    "lookup": _lookup,
    "keys": _keys,
    "values": _values,
    "flatten": _flatten,
    "concat": _concat,
    "contains": _contains,
    "distinct": _distinct,
    "compact": _compact,
    "length": _length,
    "merge": _merge,
}

FUNCTIONS: dict[str, Callable[..., Any]] = {name: _guarded(name, body) for name, body in _TABLE.items()}
