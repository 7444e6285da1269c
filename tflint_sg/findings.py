"""What a rule reports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tflint_sg.addresses import strip_keys
from tflint_sg.model import Port, Rule
from tflint_sg.remedy import SAFE, UNSAFE, Remedy  # noqa: F401 (SAFE and UNSAFE are read from here too)
from tflint_sg.network import Blocker

SEVERITIES = ("error", "warning", "notice")  # most severe first


@dataclass(frozen=True)
class Related:
    """A place in the configuration a finding points at: a resource's block, or a part of it."""

    address: str
    role: str  # "load balancer", "target group", "security group", ...
    attribute: str = ""  # a dotted path inside the block: "port", "health_check.port"
    rule: Rule | None = None  # an inline rule of the group at `address`: its `ingress`/`egress` block

    def describe(self) -> str:
        """`port of aws_lb_target_group.web`, `load balancer aws_lb.web`, `rule in aws_security_group.app`."""
        if self.attribute:
            return f"{self.role} of {self.address}"
        if self.rule is not None:
            return f"{self.role} in {self.address}"
        return f"{self.role} {self.address}" if self.role != "subject" else self.address


@dataclass(frozen=True)
class Undecided:
    """What a rule could not judge, and why: never a finding, but listed by --verbose so a user
    can tell a clean result from one the configuration left open."""

    subject: str  # the flow or resource the rule could not judge
    reason: str


@dataclass(frozen=True)
class Edit:
    """Replace the text of one file from (line, column) up to (end_line, end_column) with
    `text`; an insertion when the two are equal. Lines and columns count from 1 in code points,
    the end column is the one after the replaced text (SARIF's convention). `path` is the file
    on this machine."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class Fix:
    """One way out of a finding, written as edits to .tf files. `edits` is empty when no edit
    can be offered (the place is in a module `terraform init` installed); `note` then says
    where the change belongs."""

    description: str
    edits: tuple[Edit, ...] = ()
    applicability: str = SAFE
    note: str = ""


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str  # the resource the finding is about (for a blocked flow: the target)
    message: str  # one paragraph, naming resources by address; its first sentence is the headline
    fix: str  # the first way out: where the primary location points
    related: tuple[Related, ...] = ()
    # Where the fix goes, when it is not the subject's own block: the rule or group to edit, or
    # the port to set back. Reporters put the primary location there.
    primary: Related | None = None
    other_fixes: tuple[str, ...] = ()  # further ways out, in order
    # The subject's instances when the finding covers several (count, for_each, module
    # instances blocked the same way); the subject is then the address without instance keys.
    instances: tuple[str, ...] = ()
    # The fixes in the model's terms, in order (the rules say them) ...
    remedies: tuple[Remedy, ...] = ()
    # ... and written as edits to the .tf files (the first is what --fix applies); set after
    # the rules, by the writer that reads the source (fixwrite.py).
    changes: tuple[Fix, ...] = ()
    blockers: tuple[Blocker, ...] = ()
    # Network ACL entries (or implicit denies) that drop the flow (network_acls.AclBlocker).
    acl_blockers: tuple = ()
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

    @property
    def fixes(self) -> tuple[str, ...]:
        return (self.fix,) + self.other_fixes

    @property
    def place(self) -> Related:
        """Where the primary location points."""
        return self.primary or Related(self.subject, "subject")

    @property
    def headline(self) -> str:
        return first_sentence(self.message)

    def identity(self) -> tuple[str, ...]:
        """What makes two findings the same problem across runs: the rule, the resources without
        instance keys, the port and the groups that block, so scaling `count` keeps it."""
        blocking = sorted({f"{b.direction}:{strip_keys(b.group)}" for b in self.blockers}
                          | {f"{b.traffic}:{'egress' if b.egress else 'ingress'}:{strip_keys(b.acl)}"
                             for b in self.acl_blockers})
        identity = (self.rule, strip_keys(self.subject), strip_keys(self.load_balancer or ""), self.protocol or "",
                    str(self.port or ""), strip_keys(self.peer or ""))
        return identity + tuple(blocking)

    def former_identities(self) -> list[tuple[str, ...]]:
        """The identities baselines of version 1 recorded: one per instance, without the groups."""
        return [(self.rule, subject, self.load_balancer or "", self.protocol or "", str(self.port or ""))
                + ((self.peer,) if self.peer else ())
                for subject in self.instances or (self.subject,)]


def _digest(identity: tuple[str, ...]) -> str:
    return hashlib.sha256("\x00".join(identity).encode("utf-8")).hexdigest()[:32]


def fingerprint(finding: Finding) -> str:
    """Stable across line moves: derived from the rule and the addresses, never from lines.
    Baselines and reporters (SARIF partialFingerprints, JSON) share it."""
    return _digest(finding.identity())


def former_fingerprints(finding: Finding) -> list[str]:
    """What a baseline written by an earlier version recorded for this finding."""
    return [_digest(identity) for identity in finding.former_identities()]


def first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (addresses and CIDR blocks hold dots, but
    never a dot followed by a space and a capital letter)."""
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "." and depth == 0 and text[index + 1:index + 2] == " " and text[index + 2:index + 3].isupper():
            return text[:index + 1]
    return text
