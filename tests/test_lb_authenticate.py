"""When a load balancer that signs users in can reach its identity provider, one line per case:
the egress its group has, and what the rule says (a finding, an undecided check, or nothing)."""

import re
from pathlib import Path

import pytest

CASE = Path(__file__).resolve().parent.parent / "fixtures" / "lb_authenticate_blocked" / "main.tf"
EGRESS_8080 = '''  egress {
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
'''
ON_443 = '''  egress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    {destination}
  }}
'''

OIDC_ONLY = "oidc only"
ON_8443 = "oidc on 8443"
CASES = [
    # only 8080 out (the fixture): nothing on 443 anywhere
    (EGRESS_8080, "finding"),
    # no egress block at all: Terraform leaves the group without egress
    ("", "finding"),
    (EGRESS_8080 + ON_443.format(destination='cidr_blocks = ["0.0.0.0/0"]'), "silent"),
    # a public provider's block
    (EGRESS_8080 + ON_443.format(destination='cidr_blocks = ["52.94.0.0/16"]'), "silent"),
    # 443 only inside the VPC: an OIDC provider may be there; a Cognito user pool's domain is not
    (EGRESS_8080 + ON_443.format(destination="cidr_blocks = [aws_vpc.main.cidr_block]"), "finding"),
    (EGRESS_8080 + ON_443.format(destination="cidr_blocks = [aws_vpc.main.cidr_block]"), "undecided", OIDC_ONLY),
    (EGRESS_8080 + ON_443.format(destination="security_groups = [aws_security_group.app.id]"), "undecided", OIDC_ONLY),
    # a provider whose endpoints listen on 8443: that port is what must get out
    (EGRESS_8080 + ON_443.format(destination='cidr_blocks = ["0.0.0.0/0"]').replace("443", "8443"), "silent", ON_8443),
    (EGRESS_8080 + ON_443.format(destination='cidr_blocks = ["0.0.0.0/0"]'), "finding", ON_8443),
    # a prefix list may hold the provider's addresses
    (EGRESS_8080 + ON_443.format(destination='prefix_list_ids = ["pl-0123456789abcdef0"]'), "silent"),
]


@pytest.mark.parametrize("egress, expected, only", [case + ("",) * (3 - len(case)) for case in CASES])
def test_reaching_the_identity_provider(egress, expected, only, tflint_sg, tmp_path):
    text = CASE.read_text()
    assert EGRESS_8080 in text
    if only in (OIDC_ONLY, ON_8443):  # without the partners rule, which signs in through Cognito
        text = text[:text.index('resource "aws_lb_listener_rule" "partners"')]
    if only == ON_8443:
        text = text.replace("https://login.example.com/", "https://login.example.com:8443/")
    (tmp_path / "main.tf").write_text(text.replace(EGRESS_8080, egress, 1))
    run = tflint_sg("--format", "json", "--verbose", str(tmp_path))
    assert run.code in (0, 2), run.stderr
    (checked,) = run.json()["inputs"]
    findings = [f for f in run.json()["findings"] if f["rule"] == "aws_lb_authenticate_egress_blocked"]
    undecided = [line for line in checked["unresolved"] if re.match(r"aws_lb\.tools: .*authenticate", line)]
    assert (("finding" if findings else "undecided" if undecided else "silent"), len(findings) + len(undecided)) == (
        expected, 0 if expected == "silent" else 1), (findings, checked["unresolved"])
