"""Real-world plans from public repositories load and analyze without an error."""

import pytest

from conftest import CORPUS

PLANS = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not PLANS, reason="../shared/corpus/plans is not beside this checkout")
@pytest.mark.parametrize("plan", PLANS, ids=[p.name for p in PLANS])
def test_corpus_plan_loads(plan, tflint_sg):
    run = tflint_sg("--format", "sarif", str(plan))
    assert run.code in (0, 2), run.stderr
    assert "Traceback" not in run.stderr
