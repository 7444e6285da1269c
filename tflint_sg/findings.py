"""What a rule reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from tflint_sg.network import Blocker

ERROR = "error"
WARNING = "warning"
NOTICE = "notice"
SEVERITIES = (ERROR, WARNING, NOTICE)


@dataclass(frozen=True)
class Related:
    address: str
    role: str  # "load balancer", "target group", "security group", ...


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str  # the resource the finding is about (for a blocked flow: the target)
    message: str  # one paragraph, naming resources by address
    fix: str
    related: tuple[Related, ...] = ()
    blockers: tuple[Blocker, ...] = ()
    unresolved: tuple[str, ...] = ()  # parts of the path that stayed undecided
    # Facts for machine-readable output: load_balancer, target, protocol, port.
    facts: tuple[tuple[str, object], ...] = field(default=())

    def sort_key(self) -> tuple:
        return (self.subject, self.rule, tuple((k, str(v)) for k, v in self.facts), self.message)

    def identity(self) -> tuple[str, ...]:
        """What makes two findings the same across runs: the rule and the addresses involved."""
        return (self.rule, self.subject) + tuple(f"{k}={v}" for k, v in self.facts)
