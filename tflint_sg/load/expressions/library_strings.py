"""Terraform's string and encoding functions (split, replace, trim*, regex, base64*, jsondecode...), as Terraform defines them; evaluated without running anything."""

from __future__ import annotations

import base64
import json
import posixpath
import re
import unicodedata
from decimal import Decimal
from typing import Any, Callable
from urllib.parse import quote_plus

from tflint_sg.config import EncodedJson, Ref, Unknown
from tflint_sg.load.expressions.values import Missing, as_number, to_string, unknown_in


class _Undecided(Exception):
    """The answer depends on something this module cannot be sure Terraform agrees on."""


def _text(value: Any, name: str) -> str:
    """A string argument as Terraform sees it: numbers and bools convert, and cty keeps
    every string in Unicode normal form C."""
    if isinstance(value, (list, dict)) or value is None:
        raise TypeError(f"{name}: not a string")
    text = to_string(value)
    if text is None:
        raise TypeError(f"{name}: not a string")
    return unicodedata.normalize("NFC", text)


def _out(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _whole(value: Any, name: str) -> int:
    number = as_number(value)
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if not isinstance(number, int):
        raise TypeError(f"{name}: not a whole number")
    return number


def _string_function(name: str, body: Callable[..., Any], arity: int) -> Callable[..., Any]:
    """A function of `arity` string-like arguments: unknown in, unknown out; wrong types and
    arity are Terraform errors (`Missing`)."""
    def function(*args: Any) -> Any:
        if len(args) != arity:
            return Missing(f"{name}() takes {arity} arguments")
        if unknown_in(*args):
            return Unknown(f"{name} of a value unknown until apply")
        try:
            texts = [_text(arg, name) for arg in args]
        except TypeError as error:
            return Missing(str(error))
        try:
            result = body(*texts)
        except _Undecided as why:
            return Unknown(f"{name}: {why}")
        except (ValueError, TypeError) as error:
            return Missing(f"{name}: {error}")
        return _out(result) if isinstance(result, str) else result
    return function


# --- plain string functions ------------------------------------------------------------------

def _split(separator: str, text: str) -> list:
    if separator == "":
        return list(text)  # Go splits into characters; "" gives an empty list
    return text.split(separator)


# Go's unicode.IsSpace, which strings.TrimSpace uses (Python's isspace also counts \x1c-\x1f).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"


def _simple_clusters(text: str) -> str:
    """`text` when each character is its own grapheme cluster (so counting characters is
    counting what Terraform counts); otherwise the answer is undecided."""
    if "\r\n" in text:
        raise _Undecided("a string with a CR LF pair")
    for char in text:
        if ord(char) < 0x80:
            continue
        category = unicodedata.category(char)
        if ord(char) >= 0x1100 or category[0] == "M" or category in ("Cf", "Cs", "Co", "Cn"):
            raise _Undecided("a string whose characters may combine")
    return text


def _substr(text: Any, offset: Any, length: Any) -> Any:
    if unknown_in(text, offset, length):
        return Unknown("substr of a value unknown until apply")
    try:
        string, start, count = _text(text, "substr"), _whole(offset, "substr"), _whole(length, "substr")
        _simple_clusters(string)
    except TypeError as error:
        return Missing(str(error))
    except _Undecided as why:
        return Unknown(f"substr: {why}")
    size = len(string)
    if start < 0:
        start += size
        if start < 0:
            return Missing("substr: offset out of range")
    if start > size:
        return Missing("substr: offset out of range")
    if count < -1:
        return Missing("substr: length must be -1 or more")
    end = size if count == -1 else min(size, start + count)
    return _out(string[start:end])


def _strrev(text: str) -> str:
    return _simple_clusters(text)[::-1]


def _go_is_letter_or_digit(char: str) -> bool:
    return unicodedata.category(char)[0] == "L" or unicodedata.category(char) == "Nd"


def _title(text: str) -> str:
    """Go's strings.Title: the first letter of each word in title case, the rest unchanged."""
    def separator(char: str) -> bool:
        if ord(char) < 0x80:
            return not (char.isalnum() or char == "_")
        if _go_is_letter_or_digit(char):
            return False
        return char in _GO_SPACE

    out = []
    previous = " "
    for char in text:
        if separator(previous):
            titled = char.title() if ord(char) >= 0x80 else char.upper()
            if len(titled) != 1:
                raise _Undecided("title case of a character Go maps differently")
            out.append(titled)
        else:
            out.append(char)
        previous = char
    return "".join(out)


def _indent(spaces: Any, text: Any) -> Any:
    if unknown_in(spaces, text):
        return Unknown("indent of a value unknown until apply")
    try:
        count, string = _whole(spaces, "indent"), _text(text, "indent")
    except TypeError as error:
        return Missing(str(error))
    if count < 0:
        return Missing("indent: negative count")
    return string.replace("\n", "\n" + " " * count)


# --- base64 and URL encoding -----------------------------------------------------------------

_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _base64_bytes(text: str) -> bytes:
    data = text.replace("\r", "").replace("\n", "")  # Go's decoder skips line breaks
    if not _BASE64.fullmatch(data):
        raise ValueError("not valid base64")
    return base64.b64decode(data)


def _base64decode(text: str) -> str:
    try:
        return _base64_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the decoded data is not valid UTF-8") from None


_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be"}


def _encoding(name: str) -> str:
    encoding = _ENCODINGS.get(name.lower())
    if encoding is None:
        raise _Undecided(f"encoding {name!r} is not evaluated")
    return encoding


def _textencodebase64(text: str, name: str) -> str:
    return base64.b64encode(text.encode(_encoding(name))).decode("ascii")


def _textdecodebase64(text: str, name: str) -> str:
    encoding = _encoding(name)
    data = _base64_bytes(text)
    try:
        decoded = data.decode(encoding)
    except UnicodeDecodeError:
        raise _Undecided("bytes the decoder would replace") from None
    if decoded.startswith("\ufeff"):
        raise _Undecided("a byte order mark")
    return decoded


def _urlencode(text: str) -> str:
    return quote_plus(text, safe="")  # Go's url.QueryEscape: keeps A-Za-z0-9 - _ . ~


# --- basename / dirname: Go's path/filepath on a Unix host, as Terraform there -------------

def _basename(path: str) -> str:
    if path == "":
        return "."
    trimmed = path.rstrip("/")
    return trimmed.rsplit("/", 1)[-1] if trimmed else "/"


def _dirname(path: str) -> str:
    head = path[: path.rfind("/") + 1]
    cleaned = posixpath.normpath(head) if head else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned  # Go cleans "//" to "/"


# --- jsondecode ------------------------------------------------------------------------------

def _json_number(text: str) -> Any:
    number = Decimal(text)
    if number == number.to_integral_value():
        return int(number)
    result = float(number)
    if result in (float("inf"), float("-inf")):
        raise _Undecided("a number too large for this evaluator")
    return result


def _json_object(pairs: list) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _Undecided("an object with a repeated key")
    return dict(pairs)


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _jsondecode(text: str) -> Any:
    try:
        return json.loads(text, parse_float=_json_number, parse_int=_json_number,
                          parse_constant=_json_constant, object_pairs_hook=_json_object)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON: {error.msg}") from None


_jsondecode_text = _string_function("jsondecode", _jsondecode, 1)


def _decode_json(*args: Any) -> Any:
    if len(args) == 1 and isinstance(args[0], EncodedJson):
        # `jsondecode(jsonencode(x))` is x (registry modules pass maps through a JSON string).
        return args[0].value
    return _jsondecode_text(*args)


# --- regular expressions (RE2 syntax, translated where Python's re means the same) ----------

_WORD = "0-9A-Za-z_"
_PERL_CLASSES = {"d": "0-9", "w": _WORD, "s": "\\t\\n\\f\\r "}
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
    "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": _WORD,
    "xdigit": "0-9A-Fa-f",
}
_SIMPLE_ESCAPES = {"a": "\\a", "f": "\\f", "t": "\\t", "n": "\\n", "r": "\\r", "v": "\\v"}
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


class _BadPattern(Exception):
    """A pattern Terraform rejects."""


def _lit(char: str) -> str:
    return re.escape(char)


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int, bool]:
    """The escape at pattern[i] (a backslash): (Python text, next index, whether it is a
    class body such as `0-9` rather than one character)."""
    if i + 1 >= len(pattern):
        raise _BadPattern("trailing backslash")
    char = pattern[i + 1]
    if char in _PERL_CLASSES:
        body = _PERL_CLASSES[char]
        return (body if in_class else f"[{body}]"), i + 2, True
    if char in "DWS":
        if in_class:
            raise _Undecided("a negated class inside brackets")
        return f"[^{_PERL_CLASSES[char.lower()]}]", i + 2, True
    if char in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[char], i + 2, False
    if char == "x":
        if i + 2 < len(pattern) and pattern[i + 2] == "{":
            end = pattern.find("}", i + 3)
            digits = pattern[i + 3:end] if end > 0 else ""
            if not re.fullmatch(r"[0-9A-Fa-f]{1,6}", digits) or int(digits, 16) > 0x10FFFF:
                raise _BadPattern("bad \\x escape")
            return _lit(chr(int(digits, 16))), end + 1, False
        digits = pattern[i + 2:i + 4]
        if not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
            raise _BadPattern("bad \\x escape")
        return _lit(chr(int(digits, 16))), i + 4, False
    if not in_class:
        if char == "A":
            return "\\A", i + 2, False
        if char == "z":
            return "\\Z", i + 2, False
        if char == "b":
            return f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))", i + 2, False
        if char == "B":
            return f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))", i + 2, False
    if ord(char) < 0x80 and not char.isalnum():
        return _lit(char), i + 2, False  # an escaped punctuation character is itself
    raise _Undecided(f"the escape \\{char}")


def _escaped_char(body: str) -> str:
    """The one character written by the escape `\\body` (one that is not a class)."""
    if body[0] == "x":
        return chr(int(body[1:].strip("{}"), 16))
    named = {"a": "\a", "f": "\f", "t": "\t", "n": "\n", "r": "\r", "v": "\v"}
    return named.get(body, body)


def _class(pattern: str, i: int) -> tuple[str, int]:
    """The bracketed class at pattern[i] ('['): (Python text, next index)."""
    j = i + 1
    negated = pattern.startswith("^", j)
    if negated:
        j += 1
    parts: list[str] = []
    first = True
    while True:
        if j >= len(pattern):
            raise _BadPattern("missing closing ]")
        char = pattern[j]
        if char == "]" and not first:
            j += 1
            break
        first = False
        if pattern.startswith("[:", j):
            end = pattern.find(":]", j + 2)
            name = pattern[j + 2:end] if end > 0 else ""
            if name.startswith("^"):
                raise _Undecided("a negated POSIX class")
            if name not in _POSIX_CLASSES:
                raise _BadPattern("bad POSIX class")
            parts.append(_POSIX_CLASSES[name])
            j = end + 2
            continue
        if char == "\\":
            begin = j
            text, j, is_set = _escape(pattern, j, True)
            low = None if is_set else text
            low_char = None if is_set else _escaped_char(pattern[begin + 1:j])
        else:
            text, j, low, low_char = _lit(char), j + 1, _lit(char), char
        if low is not None and pattern.startswith("-", j) and j + 1 < len(pattern) and pattern[j + 1] != "]":
            j += 1
            if pattern[j] == "\\":
                begin = j
                high, j, is_set = _escape(pattern, j, True)
                if is_set:
                    raise _BadPattern("bad character class range")
                high_char = _escaped_char(pattern[begin + 1:j])
            elif pattern.startswith("[:", j):
                raise _BadPattern("bad character class range")
            else:
                high, j, high_char = _lit(pattern[j]), j + 1, pattern[j]
            if high_char < low_char:
                raise _BadPattern("bad character class range")
            parts.append(f"{low}-{high}")
        else:
            parts.append(text)
    return "[" + ("^" if negated else "") + "".join(parts) + "]", j


def translate(pattern: str) -> tuple[str, int, dict]:
    """An RE2 pattern as a Python pattern with the same meaning, Python's flags, and what
    bounds its backtracking (nested repeats, the number of repeats)."""
    flags = 0
    i = 0
    leading = re.match(r"\(\?([a-zA-Z]+)\)", pattern)
    if leading:
        letters = leading.group(1)
        if set(letters) - set("ims"):
            raise _Undecided(f"the flags {letters}")
        flags = (re.I if "i" in letters else 0) | (re.M if "m" in letters else 0) | (re.S if "s" in letters else 0)
        i = leading.end()
    out: list[str] = []
    depth = 0
    repeatable = False
    # Whether each open group holds a repeat or an alternation; repeating such a group is
    # where Python's backtracking can take exponential time (RE2 never does).
    busy: list[bool] = [False]
    group_busy = False
    global_risk = {"nested": False, "repeats": 0}
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if pattern.startswith("\\Q", i):
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2:] if end < 0 else pattern[i + 2:end]
                out.append("(?:" + "".join(_lit(c) for c in literal) + ")")
                i = len(pattern) if end < 0 else end + 2
                repeatable = True
                continue
            text, i, is_set = _escape(pattern, i, False)
            out.append(text)
            repeatable = not text.startswith(("\\A", "\\Z", "(?:(?<="))
        elif char == "[":
            text, i = _class(pattern, i)
            out.append(text)
            repeatable = True
        elif char == "(":
            if pattern.startswith("(?", i):
                named = re.match(r"\(\?P?<([A-Za-z0-9_]+)>", pattern[i:])
                scoped = re.match(r"\(\?([is]+):", pattern[i:])
                if pattern.startswith("(?:", i):
                    out.append("(?:")
                    i += 3
                elif named:
                    out.append(f"(?P<{named.group(1)}>")
                    i += named.end()
                elif scoped:
                    out.append(scoped.group(0))
                    i += scoped.end()
                elif pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
                    raise _BadPattern("lookaround is not RE2 syntax")
                else:
                    raise _Undecided("a group flag")
            else:
                out.append("(")
                i += 1
            depth += 1
            busy.append(False)
            repeatable = False
        elif char == ")":
            if depth == 0:
                raise _BadPattern("unexpected )")
            depth -= 1
            group_busy = busy.pop()
            busy[-1] = busy[-1] or group_busy
            out.append(")")
            i += 1
            repeatable = True
        elif char in "*+?{":
            match = _REPEAT.match(pattern, i) if char == "{" else None
            if char == "{" and not match:
                out.append("\\{")  # RE2 reads a brace that is not a repeat as itself
                i += 1
                repeatable = True
                continue
            if not repeatable:
                raise _BadPattern("missing argument to repetition operator")
            at_most_once = char == "?" or bool(match and match.group(3) == "1" or match and not match.group(2)
                                               and match.group(1) in ("0", "1"))
            if out and out[-1] == ")" and group_busy and not at_most_once:
                global_risk["nested"] = True
            global_risk["repeats"] += 1
            busy[-1] = True
            if match:
                low = int(match.group(1))
                high = match.group(3)
                if low > 1000 or (high and int(high) > 1000):
                    raise _BadPattern("bad repetition count")
                if high and int(high) < low:
                    raise _BadPattern("bad repetition range")
                out.append(match.group(0))
                i = match.end()
            else:
                out.append(char)
                i += 1
            if pattern.startswith("?", i):
                out.append("?")
                i += 1
            if i < len(pattern) and (pattern[i] in "*+?" or _REPEAT.match(pattern, i)):
                raise _BadPattern("invalid nested repetition operator")
            repeatable = False
        elif char == "$":
            out.append("$" if flags & re.M else "\\Z")
            i += 1
            repeatable = False
        elif char in "^|.":
            if char == "|":
                busy[-1] = True
            out.append(char)
            i += 1
            repeatable = char == "."
        else:
            out.append(_lit(char))
            i += 1
            repeatable = True
    if depth:
        raise _BadPattern("missing closing )")
    return "".join(out), flags, global_risk


def _compile(pattern: str, subject: str) -> re.Pattern:
    text, flags, risk = translate(pattern)
    if (risk["nested"] and len(subject) > 24) or (risk["repeats"] > 3 and len(subject) > 2000) \
            or len(subject) > 200_000:
        raise _Undecided("a pattern whose backtracking time is not bounded here")
    if flags & re.I and not (pattern.isascii() and subject.isascii()):
        raise _Undecided("case folding beyond ASCII")
    try:
        return re.compile(text, flags)
    except re.error as error:
        raise _Undecided(f"a pattern Python reads differently ({error})") from None


def _matches(compiled: re.Pattern, text: str) -> list[re.Match]:
    """Every match as Go's FindAll gives them: an empty match right after a match is skipped."""
    found = []
    position, previous_end = 0, -1
    while position <= len(text):
        match = compiled.search(text, position)
        if match is None:
            break
        accept = True
        if match.end() == position:
            if match.start() == previous_end:
                accept = False
            position += 1
        else:
            position = match.end()
        previous_end = match.end()
        if accept:
            found.append(match)
    return found


def _expand(template: str, match: re.Match) -> str:
    """Go's Regexp.Expand: $1, ${1}, $name, ${name}; $$ is a dollar; a missing group is empty."""
    out = []
    i = 0
    while i < len(template):
        char = template[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        if template.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        braced = re.match(r"\{([A-Za-z0-9_]+)\}", template[i + 1:])
        bare = re.match(r"[A-Za-z0-9_]+", template[i + 1:])
        found = braced or bare
        if not found:
            out.append("$")
            i += 1
            continue
        name = found.group(1) if braced else found.group(0)
        i += 1 + found.end()
        if name.isdigit() and name.isascii():
            number = int(name)
            value = match.group(number) if number <= (match.re.groups or 0) else None
        else:
            value = match.group(name) if name in match.re.groupindex else None
        out.append(value or "")
    return "".join(out)


def _regex_replace(text: str, compiled: re.Pattern, replacement: str) -> str:
    """Go's ReplaceAllString, including where it skips an empty match after a match."""
    out = []
    last_end = 0
    position = 0
    while position <= len(text):
        match = compiled.search(text, position)
        if match is None:
            break
        out.append(text[last_end:match.start()])
        if match.end() > last_end or match.start() == 0:
            out.append(_expand(replacement, match))
        last_end = match.end()
        position = position + 1 if position + 1 > match.end() else match.end()
    out.append(text[last_end:])
    return "".join(out)


def _replace(text: str, search: str, replacement: str) -> str:
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        try:
            compiled = _compile(search[1:-1], text)
        except _BadPattern as error:
            raise ValueError(f"invalid regular expression: {error}") from None
        return _regex_replace(text, compiled, replacement)
    return text.replace(search, replacement)


def _capture_result(compiled: re.Pattern, match: re.Match) -> Any:
    if compiled.groups == 0:
        return match.group(0)
    if compiled.groupindex:
        return {name: match.group(name) for name in compiled.groupindex}
    return [match.group(number) for number in range(1, compiled.groups + 1)]


def _regex_pattern(pattern: str, text: str) -> re.Pattern:
    try:
        compiled = _compile(pattern, text)
    except _BadPattern as error:
        raise ValueError(f"invalid regular expression: {error}") from None
    if compiled.groupindex and len(compiled.groupindex) != compiled.groups:
        raise ValueError("named and unnamed groups cannot be mixed")
    return compiled


def _regex(pattern: str, text: str) -> Any:
    compiled = _regex_pattern(pattern, text)
    found = _matches(compiled, text)
    if not found:
        raise ValueError("pattern did not match any part of the given string")
    return _capture_result(compiled, found[0])


def _regexall(pattern: str, text: str) -> Any:
    compiled = _regex_pattern(pattern, text)
    return [_capture_result(compiled, match) for match in _matches(compiled, text)]


# --- format and formatlist -------------------------------------------------------------------

_VERB = re.compile(r"%([-+ 0#]*)(\d*)(?:\.(\d*))?([a-zA-Z%\[])?")


def _format_text(spec: str, values: list) -> str:
    """Terraform's format for the verbs %s %d %t %v %% (with - and 0 flags and a width);
    any other verb is undecided."""
    out = []
    position = 0
    used = 0
    for match in _VERB.finditer(spec):
        out.append(spec[position:match.start()])
        position = match.end()
        flags, width, precision, verb = match.group(1), match.group(2), match.group(3), match.group(4)
        if verb == "%" and not flags and not width and precision is None:
            out.append("%")
            continue
        if verb not in ("s", "d", "t", "v") or precision is not None or set(flags) - set("-0"):
            raise _Undecided(f"the verb {match.group(0)!r}")
        if used >= len(values):
            raise ValueError("not enough arguments for the format string")
        value = values[used]
        used += 1
        if value is None or isinstance(value, (list, dict)):
            raise _Undecided("formatting a null or a collection")
        if verb == "d":
            number = as_number(value)
            if isinstance(number, float) and number.is_integer() and abs(number) < 2 ** 53:
                number = int(number)
            if not isinstance(number, int):
                raise ValueError("%d of a value that is not a whole number")
            text = str(number)
        elif verb == "t":
            if isinstance(value, str) and value in ("true", "false"):
                value = value == "true"
            if not isinstance(value, bool):
                raise ValueError("%t of a value that is not a bool")
            text = "true" if value else "false"
        else:
            if verb == "v" and isinstance(value, float):
                raise _Undecided("%v of a fractional number")
            text = to_string(value)
            if text is None:
                raise _Undecided("formatting a value that is not a string")
        if width:
            size = int(width)
            if "-" in flags:
                text = text.ljust(size)
            elif "0" in flags and verb == "d":
                sign = "-" if text.startswith("-") else ""
                text = sign + text[len(sign):].rjust(size - len(sign), "0")
            elif "0" in flags:
                raise _Undecided("zero padding of a string")
            else:
                text = text.rjust(size)
        out.append(text)
    out.append(spec[position:])
    if used < len(values):
        raise ValueError("too many arguments for the format string")
    return "".join(out)


def _known_deep(value: Any) -> bool:
    if isinstance(value, (Unknown, Ref)):
        return False
    if isinstance(value, list):
        return all(_known_deep(item) for item in value)
    if isinstance(value, dict):
        return all(_known_deep(item) for item in value.values())
    return True


def _format(spec: Any, *values: Any) -> Any:
    if unknown_in(spec) or not all(_known_deep(value) for value in values):
        return Unknown("format with a value unknown until apply")
    try:
        return _out(_format_text(_text(spec, "format"), list(values)))
    except TypeError as error:
        return Missing(str(error))
    except ValueError as error:
        return Missing(f"format: {error}")
    except _Undecided as why:
        return Unknown(f"format: {why}")


def _formatlist(spec: Any, *values: Any) -> Any:
    if unknown_in(spec, *values):
        return Unknown("formatlist with a value unknown until apply")
    try:
        spec_text = _text(spec, "formatlist")
    except TypeError as error:
        return Missing(str(error))
    length = None
    for value in values:
        if isinstance(value, list):
            if length is not None and len(value) != length:
                return Missing("formatlist: lists of different lengths")
            length = len(value)
    results: list = []
    for position in range(1 if length is None else length):
        row = [value[position] if isinstance(value, list) else value for value in values]
        if not all(_known_deep(item) for item in row):
            results.append(Unknown("formatlist: an element unknown until apply"))
            continue
        results.append(_format(spec_text, *row))
        if isinstance(results[-1], Missing):
            return results[-1]
    if any(isinstance(item, Unknown) and not isinstance(item, Missing) and item.reason.startswith("format:")
           for item in results):
        return Unknown("formatlist: a verb not evaluated")
    return results


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "split": _string_function("split", _split, 2),
    "replace": _string_function("replace", _replace, 3),
    "substr": _substr,
    "trimspace": _string_function("trimspace", lambda s: s.strip(_GO_SPACE), 1),
    "trim": _string_function("trim", lambda s, cutset: s.strip(cutset), 2),
    "trimprefix": _string_function("trimprefix", lambda s, prefix: s.removeprefix(prefix), 2),
    "trimsuffix": _string_function("trimsuffix", lambda s, suffix: s.removesuffix(suffix), 2),
    "chomp": _string_function("chomp", lambda s: s.rstrip("\r\n"), 1),
    "startswith": _string_function("startswith", lambda s, prefix: s.startswith(prefix), 2),
    "endswith": _string_function("endswith", lambda s, suffix: s.endswith(suffix), 2),
    "strcontains": _string_function("strcontains", lambda s, part: part in s, 2),
    "regex": _string_function("regex", _regex, 2),
    "regexall": _string_function("regexall", _regexall, 2),
    "format": _format,
    "formatlist": _formatlist,
    "title": _string_function("title", _title, 1),
    "strrev": _string_function("strrev", _strrev, 1),
    "indent": _indent,
    "base64encode": _string_function("base64encode", lambda s: base64.b64encode(s.encode()).decode("ascii"), 1),
    "base64decode": _string_function("base64decode", _base64decode, 1),
    "textencodebase64": _string_function("textencodebase64", _textencodebase64, 2),
    "textdecodebase64": _string_function("textdecodebase64", _textdecodebase64, 2),
    "jsondecode": _decode_json,
    "urlencode": _string_function("urlencode", _urlencode, 1),
    "basename": _string_function("basename", _basename, 1),
    "dirname": _string_function("dirname", _dirname, 1),
}
