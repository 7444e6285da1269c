"""`.tflint-sg.hcl`: the project's settings, in the shape of TFLint's `.tflint.hcl`.

    config {
      format                   = "compact"
      force                    = false
      minimum_failure_severity = "warning"
      minimum_severity         = "warning"
      varfile                  = ["prod.tfvars"]
      variables                = ["env=prod"]
      ignore_module            = { "terraform-aws-modules/vpc/aws" = true }
    }
    rule "aws_security_group_mixed_rule_styles" { enabled = false }
    rule "aws_lb_target_exposed" { severity = "error" }

Command-line options win over the environment (TFLINT_SG_FORMAT, ...), which wins over the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from tflint_sg.config import Unknown
from tflint_sg.errors import InputError
from tflint_sg.findings import SEVERITIES
from tflint_sg.report import WRITERS

DEFAULT_FILE = ".tflint-sg.hcl"
FORMATS = tuple(WRITERS)
# What each block reads; anything else is a typo the user should hear about, since a misspelt
# setting would otherwise leave the default silently in force.
KNOWN = {
    "config": ("format", "force", "minimum_failure_severity", "minimum_severity", "varfile", "variables",
               "ignore_module"),
    "rule": ("enabled", "severity"),
    "policy": ("select", "message", "severity"),
}


@dataclass
class Settings:
    path: str | None = None
    format: str | None = None
    force: bool | None = None
    minimum_failure_severity: str | None = None
    minimum_severity: str | None = None
    varfile: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    ignore_module: set[str] = field(default_factory=set)
    disabled: set[str] = field(default_factory=set)
    enabled: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)
    policies: list = field(default_factory=list)  # policy.Policy
    warnings: list[str] = field(default_factory=list)  # mistakes that do not stop the run, in file order


def find(explicit: str | None) -> str | None:
    """--config, else TFLINT_SG_CONFIG, else .tflint-sg.hcl in the working directory."""
    if explicit:
        return explicit
    from_environment = os.environ.get("TFLINT_SG_CONFIG")
    if from_environment:
        return from_environment
    return DEFAULT_FILE if os.path.isfile(DEFAULT_FILE) else None


def load(path: str | None, rule_ids: set[str]) -> Settings:
    settings = Settings(path=path)
    if path is None:
        return settings
    if not os.path.isfile(path):
        raise InputError(path, "no such configuration file")
    from tflint_sg.load.expressions.evaluate import evaluate
    from tflint_sg.load.expressions.values import Scope
    from tflint_sg.load.hcl.parse import parse_file

    literal = Scope(lambda name: Unknown(f"{name} in a settings file"))

    def value(block, name, kind):
        attribute = block.attributes.get(name)
        if attribute is None:
            return None
        result = evaluate(attribute.expr, literal)
        if not isinstance(result, kind) or isinstance(result, Unknown):
            raise InputError(path, f"{name} must be {_kind_name(kind)}", attribute.line)
        return result

    for block in parse_file(path):
        if block.type in KNOWN:
            settings.warnings.extend(_unknown_keys(path, block))
        if block.type == "config":
            settings.format = value(block, "format", str)
            if settings.format is not None and settings.format not in FORMATS:
                raise InputError(path, f"format must be one of {', '.join(FORMATS)}", block.attributes["format"].line)
            settings.force = value(block, "force", bool)
            settings.minimum_failure_severity = _severity(path, block, value(block, "minimum_failure_severity", str))
            settings.minimum_severity = _severity(path, block, value(block, "minimum_severity", str))
            settings.varfile = [str(v) for v in value(block, "varfile", list) or []]
            settings.variables = [str(v) for v in value(block, "variables", list) or []]
            settings.ignore_module = {k for k, v in (value(block, "ignore_module", dict) or {}).items() if v is True}
        elif block.type == "rule" and block.labels:
            name = block.labels[0]
            if name not in rule_ids:
                raise InputError(path, f"rule {name!r} does not exist{did_you_mean(name, rule_ids)}", block.start_line)
            enabled = value(block, "enabled", bool)
            if enabled is False:
                settings.disabled.add(name)
            elif enabled is True:
                settings.enabled.add(name)
            severity = _severity(path, block, value(block, "severity", str))
            if severity:
                settings.severity[name] = severity
        elif block.type == "policy" and block.labels:
            from tflint_sg.policy import Policy

            name = block.labels[0]
            select, message = value(block, "select", str), value(block, "message", str)
            if not select or not message:
                raise InputError(path, f"policy {name!r} needs select and message", block.start_line)
            if name in rule_ids:
                raise InputError(path, f"policy {name!r} has the name of a rule", block.start_line)
            settings.policies.append(Policy.compile(path, block.start_line, name, select, message,
                                                    _severity(path, block, value(block, "severity", str)) or "warning"))
        else:
            raise InputError(path, f"unknown block {block.type!r} (config, rule and policy are known)", block.start_line)
    return settings


def _unknown_keys(path: str, block) -> list[str]:
    known = KNOWN[block.type]
    found = [(attribute.line, f"unknown setting {name!r}", name) for name, attribute in block.attributes.items()
             if name not in known]
    found += [(nested.start_line, f"unknown block {nested.type!r}", nested.type) for nested in block.blocks]
    return [f"{path}:{line}: {problem} in {block.type!r}"
            + (did_you_mean(name, known) or f" ({', '.join(known)} are known)")
            for line, problem, name in sorted(found)]


def did_you_mean(name: str, choices) -> str:
    """`; did you mean "x"?` for the closest of choices, or nothing when none is close."""
    import difflib

    close = difflib.get_close_matches(name, sorted(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _severity(path: str, block, name: str | None) -> str | None:
    if name is None:
        return None
    if name not in SEVERITIES:
        raise InputError(path, f"severity must be one of {', '.join(SEVERITIES)}", block.start_line)
    return name


def _kind_name(kind) -> str:
    return {str: "a string", bool: "true or false", list: "a list", dict: "a map"}.get(kind, str(kind))
