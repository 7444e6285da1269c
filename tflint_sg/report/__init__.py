"""The writers, by format name: `render(name, checked, view)` for a run's findings and
`render_graph(name, documents)` for the model's document. A format is one entry in a table;
each writer's module is imported only when its format is asked for (sarif_om alone takes a
tenth of a small run to import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # the table is read at start-up; the writers' dependencies load with them
    from tflint_sg.errors import Unreadable
    from tflint_sg.report.common import Checked


@dataclass(frozen=True)
class View:
    """What a writer may need beside the results."""

    rule_ids: tuple[str, ...] = ()  # the rules that ran (SARIF lists them all)
    policies: dict = field(default_factory=dict)  # name -> policy.Policy, for SARIF's descriptors
    # Inputs that could not be loaded: the summary line counts them, SARIF names each.
    unreadable: tuple[Unreadable, ...] = ()
    verbose: bool = False
    color: bool = False
    include_suppressed: bool = False
    # The least severe finding that fails the run (pipeline.Outcome.threshold): JUnit marks
    # as failed only the findings that fail the run.
    failure_threshold: str = "notice"


def _text(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import text

    return text.render(checked, verbose=view.verbose, color=view.color, unreadable=len(view.unreadable))


def _compact(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import compact

    return compact.render(checked)


def _json(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import json

    return json.render(checked)


def _sarif(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import sarif

    return sarif.render(checked, list(view.rule_ids), include_suppressed=view.include_suppressed,
                        policies=view.policies, unreadable=view.unreadable)


def _github(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import github

    return github.render(checked)


def _markdown(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import markdown

    return markdown.render(checked)


def _junit(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import junit

    return junit.render(checked, view.unreadable, failure_threshold=view.failure_threshold)


def _checkstyle(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import checkstyle

    return checkstyle.render(checked, view.unreadable)


def _gitlab(checked: list[Checked], view: View) -> str:
    from tflint_sg.report import gitlab

    return gitlab.render(checked, view.unreadable)


WRITERS: dict[str, Callable[[list[Checked], View], str]] = {
    "text": _text,
    "compact": _compact,
    "json": _json,
    "sarif": _sarif,
    "github": _github,
    "markdown": _markdown,
    "junit": _junit,
    "checkstyle": _checkstyle,
    "gitlab": _gitlab,
}
# Formats whose document carries the model (the graph), which the analysis builds only when asked.
WITH_GRAPH = frozenset({"json", "markdown"})


def render(name: str, checked: list[Checked], view: View) -> str:
    return WRITERS[name](checked, view)


def _graph_json(documents: list[tuple[str, dict]]) -> str:
    import json

    from tflint_sg import __version__

    inputs = [{"path": path, **document} for path, document in documents]
    return json.dumps({"tool": "tflint-sg", "version": __version__, "inputs": inputs}, indent=2) + "\n"


def _graph_mermaid(documents: list[tuple[str, dict]]) -> str:
    from tflint_sg.report import diagram

    if len(documents) > 1:
        return diagram.mermaid_many(documents)
    return "".join(diagram.mermaid(document) for _, document in documents)


def _graph_dot(documents: list[tuple[str, dict]]) -> str:
    from tflint_sg.report import diagram

    return "".join(diagram.dot(document) for _, document in documents)


GRAPH_WRITERS: dict[str, Callable[[list[tuple[str, dict]]], str]] = {
    "json": _graph_json,
    "mermaid": _graph_mermaid,
    "dot": _graph_dot,
}


def render_graph(name: str, documents: list[tuple[str, dict]]) -> str:
    """`documents`: each input's path (as findings name it) and its model document."""
    return GRAPH_WRITERS[name](documents)


class QueryError(ValueError):
    pass


def check_query(expression: str) -> None:
    """Raises QueryError, with jmespath's whole message, when `expression` does not parse."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(expression)
    except JMESPathError as error:
        raise QueryError(f"--query: {error}") from None


def query(expression: str, document: str) -> str:
    """A JMESPath expression applied to a JSON report, as the AWS CLI does. Raises QueryError
    with jmespath's whole message (a parse error shows the expression and where it goes wrong;
    an unknown function or a value of the wrong type shows only when applied)."""
    import json

    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        selected = jmespath.search(expression, json.loads(document))
    except JMESPathError as error:
        raise QueryError(f"--query: {error}") from None
    return json.dumps(selected, indent=2) + "\n"
