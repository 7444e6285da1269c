"""The one place that turns a resource address into a file location.

With the configuration at hand (HCL mode, or a plan whose `.tf` files are beside it or named by
--source) an address points at its block in its `.tf` file; a resource made inside a module
also has the module call in the root module as its call site. Without the source, a plan's
findings point at the plan file, line 1. URIs are relative to the repository root (the
nearest folder above the configuration, else above the input, holding .git; else the current
directory), with forward slashes, as GitHub expects. A file outside that root (a plan written to
/tmp) is shown by a path a user can open, and SARIF names it relative to a directory it declares:
never with `../`, which GitHub and other readers would resolve outside the checkout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tflint_sg.addresses import parse_resource_address, split_steps, strip_keys
from tflint_sg.config import Config
from tflint_sg.load.hcl.syntax import Attribute, Block
from tflint_sg.model import AclRule, Rule
from tflint_sg.paths import repository_root
from tflint_sg.positions import find_part, inline_acl_entry, inline_rule_block


@dataclass(frozen=True)
class Location:
    uri: str
    start_line: int = 1
    end_line: int = 1
    # In Unicode code points from 1; end_column is the one after the last character (SARIF's
    # convention). None where the source gives no columns (a plan, JSON syntax).
    start_column: int | None = None
    end_column: int | None = None


def relative_uri(path: str, root: Path) -> str | None:
    """path relative to root, with forward slashes; None when it lies outside root."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


class RepositoryPaths:
    """How files are named: relative to the repository root; a file outside it by the path a user
    can open from here (relative to the working directory when under it, else absolute), which
    SARIF writes relative to `outside_base`, the directory holding the input."""

    def __init__(self, root: Path, outside_base: Path):
        self.root = root
        self.outside_base = outside_base
        self._outside: dict[str, Path] = {}  # the name shown -> the file
        self._cwd = Path(os.getcwd()).resolve()
        # Each file once: a report names the same few files thousands of times, and resolving
        # a path asks the file system about every folder on the way.
        self._uris: dict[str, str] = {}
        self._inside: dict[str, str | None] = {}
        self._artifacts: dict[str, tuple[str, Path]] = {}

    def uri(self, path: str) -> str:
        shown = self._uris.get(path)
        if shown is None:
            shown = self._uris[path] = self._uri(path)
        return shown

    def inside(self, path: str) -> str | None:
        """The path relative to the root, None when it lies outside."""
        if path not in self._inside:
            self._inside[path] = relative_uri(path, self.root)
        return self._inside[path]

    def _uri(self, path: str) -> str:
        inside = self.inside(path)
        if inside is not None:
            return inside
        absolute = Path(path).resolve()
        shown = relative_uri(str(absolute), self._cwd) or absolute.as_posix()
        self._outside[shown] = absolute
        return shown

    def artifact(self, uri: str) -> tuple[str, Path | None]:
        """The URI SARIF writes for a name `uri` gave, and the directory it is relative to
        (None: the repository root, where GitHub resolves a URI that names no base)."""
        absolute = self._outside.get(uri)
        if absolute is None:
            return uri, None
        named = self._artifacts.get(uri)
        if named is None:
            base = self.outside_base if absolute.is_relative_to(self.outside_base) else absolute.parent
            named = self._artifacts[uri] = (absolute.relative_to(base).as_posix(), base)
        return named

    def path_of(self, uri: str) -> Path:
        return self._outside.get(uri) or self.root / uri


def paths_for(path: str) -> RepositoryPaths:
    """The naming of one file with no configuration behind it (an input that could not be read)."""
    return RepositoryPaths(Path(repository_root(path)).resolve(), Path(path).resolve().parent)


class Locator:
    _by_declared_address: dict | None = None
    _by_module: dict | None = None

    def __init__(self, config: Config):
        configuration = config.source_directory or config.source
        # A plan outside the repository (a CI job's /tmp) whose configuration is in it points at
        # the configuration's files: their repository is the root, not the plan's or the cwd's.
        root = Path(repository_root(configuration)).resolve()
        outside = [directory for directory in {_directory_of(config.source), _directory_of(configuration)}
                   if not directory.is_relative_to(root)]
        # Every file a location can name lies in the input's directory or in its configuration
        # (modules may not leave it when it is outside a repository): their common directory
        # holds them all.
        base = Path(os.path.commonpath(outside)) if outside else root
        self.paths = RepositoryPaths(root, base)
        self.source_uri = self.paths.uri(config.source)
        # A plan without its .tf files has nothing --fix could edit.
        self.has_configuration = config.source_directory is not None or os.path.isdir(config.source)
        self.reads_plan = not os.path.isdir(config.source)
        self._spans = config.spans
        self._call_spans = config.call_spans
        self._id_outputs = config.id_outputs
        self._group_variables = config.group_variables
        self._fallback = Location(self.source_uri, 1, 1)
        if os.path.isdir(config.source):
            first = min((span.file for span in config.spans.values()), default=None)
            if first is not None:
                self._fallback = Location(self.paths.uri(first), 1, 1)

    def _location(self, span) -> Location:
        if span.block is not None:
            return self._part_location(span.block, span.file)
        return Location(self.paths.uri(span.file), span.start_line, span.end_line)

    def path_of(self, uri: str) -> str | None:
        """The file a location's URI names, on this machine."""
        path = self.paths.path_of(uri)
        return str(path) if path.is_file() else None

    def locate(self, address: str, attribute: str = "", rule: Rule | None = None) -> Location:
        """Where `address` is declared: its block; with `attribute`, a dotted path of attribute
        and nested block names inside it ("health_check.port"), the deepest part of the path
        that is written; with `rule`, an inline rule of the group at `address`, the nested
        ingress/egress block that declares it (and `attribute` is then inside that block).
        An address without instance keys locates the block its instances share."""
        span = self._spans.get(address)
        if span is None and address == strip_keys(address):
            span = self._declared_spans().get(address)
        if span is not None and ".terraform" not in Path(span.file).parts:
            if span.block is None:
                return self._location(span)
            block = span.block
            if isinstance(rule, AclRule):
                block = (inline_acl_entry(block, rule) if rule.declared_by == rule.acl else None) or block
            elif rule is not None and rule.declared_by == rule.group:
                block = inline_rule_block(block, rule) or block
            part, file = find_part(block, attribute)
            return self._part_location(part, file)
        # Modules `terraform init` installed are not committed: GitHub can only show a finding
        # in them at the call site in the repository.
        call = self.call_site(address)
        return call if call is not None else self._fallback

    def block(self, address: str) -> Block | None:
        """The block that declares `address`, when the repository holds it (not a module
        `terraform init` installed, not a plan without its source): what a fix may edit."""
        span = self._spans.get(address)
        if span is None and address == strip_keys(address):
            span = self._declared_spans().get(address)
        if span is None or span.block is None or ".terraform" in Path(span.file).parts:
            return None
        return span.block if self.paths.uri(span.file) == self.paths.inside(span.file) else None

    def group_variable(self, address: str) -> tuple[str, bool] | None:
        """For a resource of an installed module, the module's variable its security groups
        come from and whether that variable's default is empty (config.group_variables)."""
        return self._group_variables.get(address)

    def call_block(self, module: str) -> Block | None:
        """The module block that calls the module instance `module`, when the repository holds
        it (the caller is not itself an installed module)."""
        span = self._call_spans.get(module)
        if span is None or span.block is None or ".terraform" in Path(span.file).parts:
            return None
        return span.block if self.paths.uri(span.file) == self.paths.inside(span.file) else None

    def output_naming(self, address: str, module: str, attribute: str = "id") -> str | None:
        """How `module` names `attribute` of the group or VPC `address`, declared in a module
        it calls, by that call's output: `module.alb.security_group_id`; None when no output
        of a call of `module` gives it."""
        for path, output in sorted(self._id_outputs.get((address, attribute), ())):
            steps = split_steps(path)
            if ".".join(steps[:-2]) == module:
                return f"module.{steps[-1]}.{output}"
        return None

    def resources_in(self, module: str) -> set[str]:
        """The resources (`type.name`, no key) whose blocks are known in module instance `module`."""
        if self._by_module is None:
            self._by_module = {}
            for address in self._spans:
                parsed = parse_resource_address(address)
                self._by_module.setdefault(parsed.module, set()).add(parsed.resource)
        return self._by_module.get(module, set())

    def _declared_spans(self) -> dict:
        """Spans by address without instance keys, made when first asked for."""
        if self._by_declared_address is None:
            self._by_declared_address = {}
            for address, span in self._spans.items():
                self._by_declared_address.setdefault(strip_keys(address), span)
        return self._by_declared_address

    def _part_location(self, part: Block | Attribute, file: str) -> Location:
        if isinstance(part, Block):
            return Location(self.paths.uri(file), part.start_line, part.end_line, part.start_column,
                            part.end_column)
        return Location(self.paths.uri(file), part.line, part.end_line, part.column, part.end_column)

    def call_site(self, address: str) -> Location | None:
        """For a resource made by a module, the call of that module in the root module."""
        module = parse_resource_address(address).module
        if not module:
            return None
        outermost = ".".join(split_steps(module)[:2])
        span = self._call_spans.get(outermost)
        return self._location(span) if span is not None else None

    def place(self, place) -> Location:
        """Where a finding's place (a findings.Related) is: its block, or the part of it it names."""
        return self.locate(place.address, place.attribute, place.rule)


def _directory_of(path: str) -> Path:
    absolute = Path(path).resolve()
    return absolute if absolute.is_dir() else absolute.parent
