"""The user guide's JSON example has the keys the tool writes, no more and no fewer."""

import json

from conftest import ROOT


def _example() -> dict:
    text = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    return json.loads(text.split("\n## JSON output\n", 1)[1].split("```json\n", 1)[1].split("```", 1)[0])


def test_the_json_example_has_the_keys_of_the_real_document(tflint_sg):
    example = _example()
    real = tflint_sg("--format", "json", "fixtures/story/plan.json").json()
    assert set(example) == set(real)
    assert set(example["inputs"][0]) == set(real["inputs"][0])
    (shown,) = [finding for finding in real["findings"] if finding["rule"] == example["findings"][0]["rule"]]
    assert set(example["findings"][0]) == set(shown)
