"""Where Terraform source comes from: module files, root variable values, module directories.

This module only reads files. It never runs Terraform, never downloads a module and never
follows a path out of the repository: a module that `terraform init` has not installed is
reported in a note, not fetched.
"""

from __future__ import annotations

import json
import os
import re

from tflint_sg.config import Ref, Unknown
from tflint_sg.errors import InputError
from tflint_sg.paths import read_bytes, read_utf8, real_path, repository_root

TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")  # OpenTofu reads .tofu files too
TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")

# How deep under each ancestor directory module_roots looks for modules that may call a given
# one. Depth 2 reaches the common `environments/prod/main.tf -> ../../modules/x` layout.
CALLER_SEARCH_DEPTH = 2  # outside a repository
REPOSITORY_SEARCH_DEPTH = 32  # inside one: deeper than any real layout, short of a symlink maze

_MODULE_BLOCK = re.compile(rb'\bmodule\b\s*["{:]')


# --- module directories -------------------------------------------------------------------


def _is_ignored(name: str) -> bool:
    """Files Terraform itself skips: hidden files and editor backups."""
    return name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#"))


def _is_override(name: str) -> bool:
    stem = name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


# Directory -> its Terraform files' names, during a run (None outside one: nothing kept).
_listings: dict[str, list[str]] | None = None


def begin_run() -> None:
    """Starts a run: each directory is listed once, however many root modules, callers and
    parses ask, and listed afresh by the next run."""
    global _listings
    _listings = {}


def end_run() -> None:
    global _listings
    _listings = None


def _is_file(entry: os.DirEntry) -> bool:
    """As os.path.isfile: a link that cannot be followed (a loop, a path through a file, no
    permission) is not a file, and no reason to stop listing."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _terraform_files(directory: str) -> list[str]:
    listed = _listings.get(directory) if _listings is not None else None
    if listed is not None:
        return listed
    try:
        with os.scandir(directory) as entries:
            listed = sorted(
                entry.name
                for entry in entries
                if entry.name.endswith(TERRAFORM_SUFFIXES)
                and not _is_ignored(entry.name)
                and _is_file(entry)
            )
    except OSError as error:
        raise InputError(directory, f"cannot list the directory: {error.strerror or error}") from None
    if _listings is not None:
        _listings[directory] = listed
    return listed


def module_files(directory: str) -> list[str]:
    """The `.tf` and `.tf.json` files of one module directory, sorted, without override files."""
    return [os.path.join(directory, n) for n in _terraform_files(directory) if not _is_override(n)]


def override_files(directory: str) -> list[str]:
    """The override files (`override.tf`, `*_override.tf`, and `.tf.json` forms) that module_files skips."""
    return [os.path.join(directory, n) for n in _terraform_files(directory) if _is_override(n)]


# --- root variable values -----------------------------------------------------------------


class _NotLiteral(Exception):
    pass


def _hcl_attributes(path: str, text: str) -> tuple[list, list]:
    """A tfvars file's (or a --var value's) top-level attributes and blocks, read as a .tf file
    is read."""
    from tflint_sg.load.hcl.tree import parse_body

    return parse_body(path, text.replace("\r\n", "\n"))


def _constant(expr) -> object:
    """The value of an expression that refers to nothing and calls no function, as Terraform
    reads a tfvars file; raises _NotLiteral for any other."""
    from tflint_sg.load.expressions.evaluate import evaluate
    from tflint_sg.load.expressions.values import Scope

    if _calls_a_function(expr):
        raise _NotLiteral
    value = evaluate(expr, Scope(lambda name: Unknown(f"{name} in a variable value")))
    if _holds_unknown(value):
        raise _NotLiteral
    return _whole_numbers(value)


def _calls_a_function(expr) -> bool:
    from tflint_sg.load.hcl.syntax import Call, Expr, NotUnderstood

    pending = [expr]  # (not recursive: a value may be nested deeply)
    while pending:
        item = pending.pop()
        if isinstance(item, (Call, NotUnderstood)):
            return True
        if isinstance(item, tuple):
            pending.extend(item)
        elif isinstance(item, Expr):
            pending.extend(getattr(item, name) for name in item.__struct_fields__)
    return False


def _holds_unknown(value: object) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, (Unknown, Ref)):
            return True
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    return False


def _whole_numbers(value: object) -> object:
    """`1e3` is the number 1000, as Terraform reads it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    return value


def _parse_tfvars(path: str, notes: list[str]) -> list[tuple[str, object]]:
    """(name, value) for each variable a file sets; _NotLiteral for a value that is not one."""
    text = read_utf8(path)
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(path, f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
        if not isinstance(data, dict):
            raise InputError(path, "must be a JSON object of variable values")
        return list(data.items())
    try:
        attributes, blocks = _hcl_attributes(path, text)
        found: list[tuple[str, object]] = []
        for attribute in attributes:
            try:
                found.append((attribute.name, _constant(attribute.expr)))
            except _NotLiteral as not_literal:
                found.append((attribute.name, not_literal))
    except RecursionError:
        raise InputError(path, "cannot read: values nested too deeply") from None
    for block in blocks:
        notes.append(f"{path}: line {block.start_line}: a {block.type} block is not a variable value; ignored")
    return found


def _tfvars_into(values: dict[str, object], notes: list[str], path: str) -> None:
    for name, value in _parse_tfvars(path, notes):
        if isinstance(value, _NotLiteral):
            notes.append(f"{path}: variable {name} is not a literal value; ignored")
        else:
            values[name] = value


def _auto_tfvars(directory: str) -> list[str]:
    try:
        names = os.listdir(directory)
    except OSError as error:
        raise InputError(directory, f"cannot list the directory: {error.strerror or error}") from None
    found = [
        os.path.join(directory, name)
        for name in ("terraform.tfvars", "terraform.tfvars.json")
        if os.path.isfile(os.path.join(directory, name))
    ]
    found += [
        os.path.join(directory, name)
        for name in sorted(names)
        if name.endswith((".auto.tfvars", ".auto.tfvars.json")) and os.path.isfile(os.path.join(directory, name))
    ]
    return found


def _var_arg_value(text: str) -> object:
    """`--var` VALUE: a number, bool, list or map when it is one in HCL, else the raw string
    (a string, null or any expression is taken as the text given)."""
    try:
        attributes, blocks = _hcl_attributes("--var", f"v = {text}\n")
    except (InputError, RecursionError):
        return text
    if blocks or [attribute.name for attribute in attributes] != ["v"]:
        return text
    expr = attributes[0].expr
    if not _is_data(expr, top=True):
        return text
    try:
        return _constant(expr)
    except (_NotLiteral, RecursionError):
        return text


def _is_data(expr, top: bool = False) -> bool:
    """A literal value written out: numbers, bools, lists and maps of them (and, inside a list
    or map, strings and null)."""
    from tflint_sg.load.hcl.syntax import Literal, ObjectExpr, TupleExpr, Unary

    if isinstance(expr, Literal):
        return not top or not isinstance(expr.value, str) and expr.value is not None
    if isinstance(expr, Unary):
        return expr.operator == "-" and isinstance(expr.operand, Literal) \
            and isinstance(expr.operand.value, (int, float)) and not isinstance(expr.operand.value, bool)
    if isinstance(expr, TupleExpr):
        return all(_is_data(item) for item in expr.items)
    if isinstance(expr, ObjectExpr):
        return all(isinstance(key, Literal) and _is_data(value) for key, value in expr.items)
    return False


def root_variable_values(
    directory: str, var_files: list[str], var_args: list[str]
) -> tuple[dict[str, object], list[str]]:
    """Root module variable values, later sources overriding earlier ones, as Terraform does.

    Order: terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) by name, then each
    --var-file, then each --var NAME=VALUE. Values holding an expression are skipped with a note.
    """
    return ordered_variable_values(directory, [("file", path) for path in var_files] + [("var", arg) for arg in var_args])


def ordered_variable_values(directory: str, given: list[tuple[str, str]]) -> tuple[dict[str, object], list[str]]:
    """As `root_variable_values`, with --var-file ("file", PATH) and --var ("var", NAME=VALUE)
    applied in the order the command line gives them, as Terraform does."""
    values: dict[str, object] = {}
    notes: list[str] = []
    for path in _auto_tfvars(directory):
        _tfvars_into(values, notes, path)
    for kind, text in given:
        if kind == "file":
            _tfvars_into(values, notes, text)
            continue
        name, equals, value = text.partition("=")
        name = name.strip()
        if not equals or not name:
            raise InputError(text, "--var must be NAME=VALUE")
        values[name] = _var_arg_value(value)
    return values, notes


# --- module sources -----------------------------------------------------------------------


def _within(path: str, boundary: str) -> bool:
    path, boundary = real_path(path), real_path(boundary)
    try:
        return os.path.commonpath([path, boundary]) == boundary
    except ValueError:  # different drives
        return False


def _boundary(root_dir: str) -> str:
    """Where module sources may point: the repository, or the root module's own directory
    when it lies outside the fallback (the working directory)."""
    top = repository_root(root_dir)
    return top if _within(root_dir, top) else os.path.abspath(root_dir)


def _is_local_source(source: str) -> bool:
    return source.startswith(("./", "../"))


def resolve_module_source(
    root_dir: str, caller_dir: str, module_key: str, source: str, version: str | None = None
) -> tuple[str | None, str | None]:
    """The directory of a module call, or (None, note saying why it is not analyzed). `version`:
    the call's version constraint; an installed module that does not meet it is not read
    (Terraform refuses to plan until `terraform init` installs a version that does)."""
    boundary = _boundary(root_dir)
    if _is_local_source(source):
        directory = os.path.normpath(os.path.join(caller_dir, source))
        if not _within(directory, boundary):
            return None, (f"module {module_key}: source {source} is outside the repository ({display_path(boundary)}); "
                          "not followed (the repository is the nearest folder above with .git, else the "
                          "current directory: run tflint-sg from the top of the checkout)")
        if not os.path.isdir(directory):
            return None, f"module {module_key}: {directory} does not exist"
        return directory, None

    manifest = os.path.join(root_dir, ".terraform", "modules", "modules.json")
    not_installed = (
        f"module {module_key} ({source}) is not installed: run `terraform init` to let tflint-sg analyze it"
    )
    if not os.path.isfile(manifest):
        return None, not_installed
    try:
        with open(manifest, encoding="utf-8-sig") as handle:
            entries = json.load(handle)["Modules"]
        recorded = {entry["Key"]: entry["Dir"] for entry in entries}
        versions = {entry["Key"]: entry.get("Version") for entry in entries}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # ValueError: bad JSON and UTF-8
        return None, f"module {module_key}: {manifest} is not a readable module manifest; run `terraform init`"
    if module_key not in recorded or not isinstance(recorded[module_key], str):
        return None, not_installed
    installed = versions[module_key]
    if version is not None and isinstance(installed, str) and meets_constraint(installed, version) is False:
        return None, (f"module {module_key} ({source}): the installed version {installed} does not meet the "
                      f'call\'s version "{version}": run `terraform init` to let tflint-sg analyze it')
    directory = os.path.normpath(os.path.join(root_dir, recorded[module_key].replace("\\", "/")))
    if not _within(directory, boundary):
        return None, f"module {module_key}: installed directory {directory} is outside the repository; not followed"
    if not os.path.isdir(directory):
        return None, f"module {module_key}: {directory}, installed by `terraform init`, does not exist: run `terraform init`"
    return directory, None


_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_CONSTRAINT = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$")


def meets_constraint(version: str, constraint: str) -> bool | None:
    """Whether a module version meets a version constraint as Terraform reads it ("~> 5.1",
    ">= 4.0, < 6"); None when either cannot be read. A prerelease meets only a constraint
    that names it exactly."""
    have = _VERSION.match(version.strip())
    if have is None:
        return None
    have_parts = tuple(int(part or 0) for part in have.groups()[:3])
    for clause in constraint.split(","):
        parsed = _CONSTRAINT.match(clause)
        want = _VERSION.match(parsed.group(2)) if parsed else None
        if want is None:
            return None
        operator = parsed.group(1) or "="
        given = [int(part) for part in want.groups()[:3] if part is not None]
        want_parts = tuple(given + [0] * (3 - len(given)))
        if have.group(4) or want.group(4):  # prereleases
            if operator != "=" or have_parts != want_parts or have.group(4) != want.group(4):
                return False
            continue
        if operator == "~>":
            # The last segment given may grow; those before it are fixed ("~> 5" is any 5.x).
            fixed = max(len(given) - 1, 1)
            if have_parts[:fixed] != want_parts[:fixed] or have_parts < want_parts:
                return False
        elif not {"=": have_parts == want_parts, "!=": have_parts != want_parts,
                  ">": have_parts > want_parts, ">=": have_parts >= want_parts,
                  "<": have_parts < want_parts, "<=": have_parts <= want_parts}[operator]:
            return False
    return True


# --- module roots -------------------------------------------------------------------------


def local_sources(path: str, notes: list[str]) -> list[str]:
    """The local `source` of each module block in one .tf or .tf.json file."""
    from tflint_sg.load.hcl.parse import parse_file

    try:
        if not _may_call_modules(path):
            return []
        blocks = parse_file(path)
    except InputError as error:
        notes.append(f"{error}; its module calls are not followed")
        return []
    return local_module_sources(blocks)


def _may_call_modules(path: str) -> bool:
    """Whether the file has a `module` block, by a quick look at its text (no parse). A file
    that is not plain UTF-8 is left to parse_file, which says what is wrong with it."""
    try:
        data = read_bytes(path)
        if not data.isascii():
            data.decode("utf-8")
    except (InputError, UnicodeDecodeError):
        return True
    return bool(_MODULE_BLOCK.search(data))


def local_module_sources(blocks) -> list[str]:
    """The literal local `source` of each module block among parsed blocks."""
    from tflint_sg.load.hcl.syntax import Literal

    sources = []
    for block in blocks:
        source = block.attributes.get("source") if block.type == "module" else None
        if source is not None and isinstance(source.expr, Literal) and isinstance(source.expr.value, str) \
                and _is_local_source(source.expr.value):
            sources.append(source.expr.value)
    return sources


def is_module_directory(root_dir: str, directory: str) -> bool:
    """A directory inside the repository that holds Terraform files."""
    return _within(directory, _boundary(root_dir)) and os.path.isdir(directory) and _has_terraform_files(directory)


def _has_terraform_files(directory: str) -> bool:
    try:
        return bool(module_files(directory))
    except InputError:
        return False


def _subdirectories(directory: str, depth: int) -> list[str]:
    if depth <= 0:
        return []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    found = []
    for name in names:
        child = os.path.join(directory, name)
        if name.startswith(".") or not os.path.isdir(child) or os.path.islink(child):
            continue
        found.append(child)
        found += _subdirectories(child, depth - 1)
    return found


def module_directories_below(directory: str) -> list[str]:
    """`directory` and every directory below it that holds Terraform files, sorted. Hidden
    directories are not entered: `.terraform/` holds the modules `terraform init` installed,
    which their callers read, and `.git/` none. Symbolic links are not followed, so a link
    to a parent cannot loop."""
    if not os.path.isdir(directory):
        raise InputError(directory, "no such directory")
    def cannot_list(error: OSError):
        raise InputError(error.filename or directory, f"cannot list the directory: {error.strerror or error}")

    found = []
    for current, subdirectories, _ in os.walk(directory, onerror=cannot_list):
        subdirectories[:] = sorted(name for name in subdirectories
                                   if not name.startswith(".") and not os.path.islink(os.path.join(current, name)))
        if _has_terraform_files(current):
            found.append(os.path.normpath(current))
    return sorted(found)


def _ancestors(directory: str) -> list[str]:
    """directory's parents up to its repository root (inclusive), nearest first."""
    top = repository_root(directory)
    if not _within(directory, top):
        return []
    found = []
    current = directory
    while os.path.realpath(current) != os.path.realpath(top):
        parent = os.path.dirname(current)
        if parent == current:
            break
        found.append(parent)
        current = parent
    return found


def display_path(path: str) -> str:
    """`path` relative to the working directory when it is inside it, as a user would type it."""
    cwd = os.getcwd()
    return os.path.relpath(path, cwd) if _within(path, cwd) else path


def module_roots(paths: list[str]) -> tuple[list[str], list[str]]:
    """The root module directories that the given files and directories belong to.

    A directory called as a local module by another directory (anywhere in its repository; outside
    a repository, the given directories, their ancestors and CALLER_SEARCH_DEPTH levels below
    those) is replaced by the top-most directories that call it.
    """
    notes: list[str] = []
    candidates: set[str] = set()
    for path in paths:
        if not os.path.exists(path):
            raise InputError(path, "no such file or directory")
        if os.path.isdir(path):
            directory = os.path.abspath(path)
        elif path.endswith(TERRAFORM_SUFFIXES + TFVARS_SUFFIXES):
            directory = os.path.dirname(os.path.abspath(path))
        else:
            notes.append(f"{path}: not a Terraform file; ignored")
            continue
        if _has_terraform_files(directory):
            candidates.add(os.path.normpath(directory))
        else:
            notes.append(f"{path}: {display_path(directory)} holds no .tf or .tf.json files; ignored")

    searched: set[str] = set()
    walked: set[str] = set()
    repositories: set[str] = set()
    for directory in sorted(candidates):
        top = repository_root(directory)
        if os.path.exists(os.path.join(top, ".git")) and _within(directory, top):
            # Inside a repository, a caller may sit anywhere in it (live/prod/svc03 calling
            # ../../../modules/app is a common layout): search all of it, once.
            if top not in repositories:
                repositories.add(top)
                searched.add(top)
                searched.update(_subdirectories(top, REPOSITORY_SEARCH_DEPTH))
            continue
        # Outside a repository there is no bound but the working directory: look nearby only.
        for ancestor in [directory] + _ancestors(directory):
            if ancestor in walked:  # sibling candidates share their parents: walk each once
                continue
            walked.add(ancestor)
            searched.add(ancestor)
            searched.update(_subdirectories(ancestor, CALLER_SEARCH_DEPTH))

    callers: dict[str, set[str]] = {}
    searched_files = {caller: module_files(caller) for caller in sorted(searched) if _has_terraform_files(caller)}
    from tflint_sg.load.hcl.parse import parse_files

    parse_files([file for files in searched_files.values() for file in files if _may_call_modules(file)])
    for caller, files in searched_files.items():
        for file in files:
            for source in local_sources(file, notes):
                callee = os.path.normpath(os.path.join(caller, source))
                if callee != caller:
                    callers.setdefault(callee, set()).add(caller)

    roots: set[str] = set()
    for directory in candidates:
        seen = {directory}
        frontier = [directory]
        tops = set()
        while frontier:
            current = frontier.pop()
            above = callers.get(current, set())
            if not above:
                tops.add(current)
            for caller in above - seen:
                seen.add(caller)
                frontier.append(caller)
        roots |= tops or {directory}  # a cycle of modules with no outside caller
    return sorted({display_path(root) for root in roots}), notes
