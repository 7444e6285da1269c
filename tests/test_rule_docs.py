"""Every registered rule has its document; the document's front matter holds the rule's facts,
and the registry, the documents and the rules index (docs/rules.md) agree on them."""

import re
from pathlib import Path

import pytest

from tflint_sg import ruledoc
from tflint_sg.findings import Finding
from tflint_sg.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = [rule.ID for rule in ALL_RULES]

GOOD = ("---\nseverity: error\nsecurity-severity: 7.0\ntags: [security, availability, blocked]\n"
        "summary: s\n---\n# some_rule\n\ntext\n\n## Example\n\nx\n\n## Why\n\ny\n\n## How To Fix\n\nz\n")


def _index_rules() -> list[tuple[str, str]]:
    """(rule, severity) for each row of the table in docs/rules.md, in its order."""
    index = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[(\w+)\]\(\.\./rules/(\w+)\.md\) \| \w+ \| (\w+) \|", index, flags=re.M)
    for name, linked, _ in rows:
        assert name == linked, f"docs/rules.md links {name} to rules/{linked}.md"
    return [(name, severity) for name, _, severity in rows]


@pytest.mark.parametrize("rule", ALL_RULES, ids=REGISTRY)
def test_rule_document(rule):
    doc = ruledoc.load(rule.ID)
    assert doc.id == rule.ID
    assert doc.severity in ("error", "warning", "notice")
    assert 0 < float(doc.security_severity) <= 10
    assert "security" in doc.public_tags
    assert doc.kind in ("blocked", "exposure", "smell")
    assert doc.summary and len(doc.summary) <= 120
    assert doc.description
    assert "```hcl" in doc.sections["Example"] and "```hcl" in doc.sections["How To Fix"]


def test_registry_documents_and_index_list_the_same_rules():
    documents = sorted(path.stem for path in (ROOT / "rules").glob("*.md"))
    assert documents == sorted(REGISTRY)
    index = _index_rules()
    assert [name for name, _ in index] == REGISTRY, "docs/rules.md lists the rules in the order they run"
    assert {name: severity for name, severity in index} == {name: ruledoc.load(name).severity for name in REGISTRY}


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.md")), ids=lambda path: path.stem)
def test_every_document_has_its_front_matter(path):
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "---"
    front = lines[1:lines.index("---", 1)]
    assert sorted(line.split(":", 1)[0] for line in front) == sorted(ruledoc.FIELDS)
    assert lines[len(front) + 2] == f"# {path.stem}"


def test_explain_shows_the_facts_as_the_document_always_has(tflint_sg):
    run = tflint_sg("--explain", "aws_data_store_unreachable")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("# aws_data_store_unreachable\n\nSeverity: error\nSecurity severity: 6.0\n"
                                 "Tags: security, availability, data-store\nSummary: No security group rule")
    assert "---" not in run.stdout.split("\n## ")[0]
    assert "unreachable" not in run.stdout.split("\n")[4], "the tool's own tags are not shown"


def test_sarif_publishes_the_documents_tags_but_the_tools_own(tflint_sg):
    log = tflint_sg("--format", "sarif", "fixtures/tier_db_unreachable").json()
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["aws_data_store_unreachable"]["properties"]["tags"] == ["security", "availability", "data-store"]
    assert rules["aws_data_store_exposed"]["properties"]["tags"] == ["security", "exposure", "data-store"]
    assert rules["aws_security_group_mixed_rule_styles"]["properties"]["tags"] == ["security", "terraform",
                                                                                  "maintainability"]


def test_markdown_outlines_the_endpoints_of_exposure_findings_by_their_rules_tags(tflint_sg):
    exposed = tflint_sg("--format", "markdown", "fixtures/expose_db_public")
    assert "`aws_data_store_exposed`" in exposed.stdout
    node = re.search(r'(\w+)\["aws_db_instance\.main :3306"\]', exposed.stdout)
    assert node, exposed.stdout
    assert f"style {node[1]} stroke:#e80," in exposed.stdout, exposed.stdout


def test_no_reporter_names_a_rule():
    for path in sorted((ROOT / "tflint_sg" / "report").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        named = [rule for rule in REGISTRY if rule in source]
        assert not named, f"{path.name} names {named}: reporters read a rule's tags from its document"


def test_effective_severity():
    finding = Finding(rule="aws_lb_target_exposed", subject="aws_instance.web", message="m", fix="f")
    assert ruledoc.effective_severity(finding, {}) == "warning"
    assert ruledoc.effective_severity(finding, {"aws_lb_target_exposed": "error"}) == "error"
    assert ruledoc.effective_severity(finding, {"aws_data_store_exposed": "error"}) == "warning"
    # A policy's finding comes with its own severity, and has no document.
    policy = Finding(rule="no_public_db", subject="aws_db_instance.db", message="m", fix="f", severity="notice")
    assert ruledoc.effective_severity(policy, {"aws_lb_target_exposed": "error"}) == "notice"


def test_a_good_document_parses():
    doc = ruledoc.parse(GOOD)
    assert (doc.id, doc.severity, doc.kind, doc.public_tags) == ("some_rule", "error", "blocked",
                                                                  ("security", "availability"))
    assert doc.text.startswith("# some_rule\n\nSeverity: error\nSecurity severity: 7.0\n"
                               "Tags: security, availability\nSummary: s\n\ntext\n")


@pytest.mark.parametrize("broken, complaint", [
    (GOOD.replace("\n## How To Fix\n\nz\n", "\n"), "How To Fix"),
    (GOOD.replace("severity: error\n", ""), "no severity"),
    (GOOD.replace("summary: s\n", ""), "no summary"),
    (GOOD.replace("tags: [security, availability, blocked]\n", ""), "no tags"),
    (GOOD.replace("security-severity: 7.0\n", ""), "no security-severity"),
    (GOOD.replace("severity: error", "severity: fatal"), "severity must be one of"),
    (GOOD.replace("blocked]", "blocked, exposure]"), "exactly one of"),
    (GOOD.replace("blocked]", "availability]"), "exactly one of"),
    (GOOD.replace("[security, availability, blocked]", "security, blocked"), "a list"),
    (GOOD.replace("summary: s\n", "summary: s\nowner: me\n"), "the fields are"),
    (GOOD.replace("---\n# some_rule", "# some_rule"), "no closing"),
    (GOOD[len("---\n"):], "starts with front matter"),
])
def test_a_broken_document_is_refused(broken, complaint):
    with pytest.raises(ValueError, match=complaint):
        ruledoc.parse(broken)
