"""What a rule reports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tflint_sg.model import Port
from tflint_sg.network import Blocker

SEVERITIES = ("error", "warning", "notice")  # most severe first


@dataclass(frozen=True)
class Related:
    address: str
    role: str  # "load balancer", "target group", "security group", ...


@dataclass(frozen=True)
class Undecided:
    """What a rule could not judge, and why: never a finding, but listed by --verbose so a user
    can tell a clean result from one the configuration left open."""

    subject: str  # the flow or resource the rule could not judge
    reason: str


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str  # the resource the finding is about (for a blocked flow: the target)
    message: str  # one paragraph, naming resources by address
    fix: str
    related: tuple[Related, ...] = ()
    blockers: tuple[Blocker, ...] = ()
    unresolved: tuple[str, ...] = ()  # parts of the path that stayed undecided
    # The flow, for findings about one (the subject is then its target).
    load_balancer: str | None = None
    protocol: str | None = None
    port: Port | None = None
    peer: str | None = None  # the other end, for findings about a client and its store
    severity: str = ""  # set by the runner: the rule document's, or the settings' override

    def sort_key(self) -> tuple:
        return (self.subject, self.rule, self.load_balancer or "", self.peer or "", self.protocol or "",
                self.port or 0, self.message)

    def identity(self) -> tuple[str, ...]:
        """What makes two findings the same across runs: the rule, the addresses, the port."""
        identity = (self.rule, self.subject, self.load_balancer or "", self.protocol or "", str(self.port or ""))
        return identity + ((self.peer,) if self.peer else ())


def fingerprint(finding: Finding) -> str:
    """Stable across line moves: derived from the rule and the addresses, never from lines.
    Baselines and reporters (SARIF partialFingerprints, JSON) share it."""
    return hashlib.sha256("\x00".join(finding.identity()).encode("utf-8")).hexdigest()[:32]
