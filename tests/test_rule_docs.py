"""Every registered rule has its document, and the document says what SARIF and --explain need."""

import pytest

from tflint_sg import ruledoc
from tflint_sg.rules import ALL_RULES


@pytest.mark.parametrize("rule", ALL_RULES, ids=[rule.ID for rule in ALL_RULES])
def test_rule_document(rule):
    doc = ruledoc.load(rule.ID)
    assert doc.id == rule.ID
    assert doc.severity in ("error", "warning", "notice")
    assert 0 < float(doc.security_severity) <= 10
    assert "security" in doc.tags
    assert doc.summary and len(doc.summary) <= 120
    assert doc.description
    assert "```hcl" in doc.sections["Example"] and "```hcl" in doc.sections["How To Fix"]


def test_a_document_without_its_sections_is_refused():
    with pytest.raises(ValueError, match="How To Fix"):
        ruledoc.parse("# some_rule\n\nSeverity: error\nSummary: s\n\ntext\n\n## Example\n\nx\n\n## Why\n\ny\n")
