"""Each rule document's example is a configuration the tool really reads: the Example's first
```hcl block as main.tf, beside rules/examples/<rule>.hcl as other.tf (what the document says is declared in
other files). On it the rule reports what the document says, the output the document shows is
the tool's output, and the diff it shows is what `--diff` prints."""

import json
import re
from pathlib import Path

import pytest

from tflint_sg import ruledoc
from tflint_sg.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
RULES = [rule.ID for rule in ALL_RULES]
# The rules that report a flow the configuration intends and groups block between two tiers it
# names: each has a fix to show. (aws_lb_listener_unreachable's clients are not in the
# configuration, so its fix is words.)
BLOCKED = [rule for rule in RULES
           if ruledoc.load(rule).kind == ruledoc.BLOCKED and rule != "aws_lb_listener_unreachable"]

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


def _section(rule: str, name: str) -> str:
    text = (ROOT / "rules" / f"{rule}.md").read_text(encoding="utf-8")
    return text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]


def _blocks(text: str, language: str) -> list[tuple[int, str]]:
    """(offset, body) of each fenced block written in `language` ("" for none)."""
    return [(match.start(), match.group(2)) for match in FENCE.finditer(text) if match.group(1) == language]


@pytest.fixture
def example(tmp_path):
    """The example of a rule as a repository of its own: returns its directory."""
    def build(rule: str) -> Path:
        directory = tmp_path / rule
        (directory / ".git").mkdir(parents=True)
        (directory / "main.tf").write_text(_blocks(_section(rule, "Example"), "hcl")[0][1], encoding="utf-8")
        (directory / "other.tf").write_text((ROOT / "rules" / "examples" / f"{rule}.hcl").read_text(encoding="utf-8"),
                                            encoding="utf-8")
        return directory
    return build


def test_every_rule_has_the_rest_of_its_example():
    assert sorted(path.stem for path in (ROOT / "rules" / "examples").glob("*.hcl")) == sorted(RULES)


@pytest.mark.parametrize("rule", RULES)
def test_the_example_shows_the_rule_reporting_what_the_document_says(rule, example, tflint_sg):
    directory = example(rule)
    run = tflint_sg("--format", "json", ".", cwd=directory)
    assert run.code == 2, run.stderr
    findings = [finding for finding in run.json()["findings"] if finding["rule"] == rule]
    assert findings, f"{rule} does not fire on its own example"
    named = re.search(r"tflint-sg reports `([^`]+)`", _section(rule, "Example"))
    if named:
        assert any(named.group(1) in json.dumps(finding) for finding in findings), named.group(1)


@pytest.mark.parametrize("rule", RULES)
def test_the_output_the_document_shows_is_the_tools(rule, example, tflint_sg):
    shown = [body for _, body in _blocks(_section(rule, "Example"), "") if body.startswith("main.tf:")]
    if not shown:
        pytest.skip("the document shows no output")
    run = tflint_sg(".", cwd=example(rule), env={"NO_COLOR": "1"})
    for body in shown:
        assert body == run.stdout


@pytest.mark.parametrize("rule", BLOCKED)
def test_a_blocked_flow_document_shows_the_fix_the_tool_writes(rule, example, tflint_sg):
    section = _section(rule, "How To Fix")
    diffs = _blocks(section, "diff")
    assert diffs, "the document shows no generated fix"
    directory = example(rule)
    for offset, body in diffs:
        commands = re.findall(r"`(tflint-sg --fix[^`]*)`", section[:offset])
        assert commands, "the diff is not introduced by the command that writes it"
        words = commands[-1].split()[1:]
        arguments = ["--diff"] + [word for word in words if word != "--fix"]
        run = tflint_sg(*arguments, ".", cwd=directory, env={"NO_COLOR": "1"})
        assert body == run.stdout, run.stderr
