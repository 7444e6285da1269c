"""The project's URLs, set once in pyproject.toml's [project.urls]: `Homepage` is the tool's page
(SARIF informationUri), `Documentation` the folder of the rule pages `<rule id>.md` (SARIF
helpUri, the text output's `docs:` line). A fork or a release sets them there.

They are read from the installed package's metadata, else from the pyproject.toml beside the
package (a source checkout), else they are the project's own. Nothing is read until a URL is
written, and then once a process.
"""

from __future__ import annotations

import functools
from pathlib import Path

HOMEPAGE = "Homepage"
DOCUMENTATION = "Documentation"
_DEFAULTS = {
    HOMEPAGE: "https://github.com/tflint-sg/tflint-sg",
    DOCUMENTATION: "https://github.com/tflint-sg/tflint-sg/blob/main/rules/",
}


def homepage() -> str:
    return _urls()[HOMEPAGE]


def rule_page(rule_id: str) -> str:
    return f"{_urls()[DOCUMENTATION].rstrip('/')}/{rule_id}.md"


@functools.cache
def _urls() -> dict[str, str]:
    return {**_DEFAULTS, **(_installed_urls() or _checkout_urls())}


def _installed_urls() -> dict[str, str]:
    """[project.urls] as the installed metadata has them: `Project-URL: <label>, <url>` lines."""
    from tflint_sg import installed

    lines = installed.metadata_headers("tflint-sg", "tflint_sg", "Project-URL") or []
    found = {}
    for line in lines:
        label, _, url = line.partition(",")
        found[label.strip()] = url.strip()
    return _known(found)


def _checkout_urls() -> dict[str, str]:
    import tomllib

    try:
        with open(_pyproject(), "rb") as handle:
            project = tomllib.load(handle).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    if project.get("name") != "tflint-sg":
        return {}
    return _known(project.get("urls", {}))


def _pyproject() -> Path:
    return Path(__file__).resolve().parent.parent / "pyproject.toml"


def _known(urls: dict) -> dict[str, str]:
    """The labels this module reads, whatever their case (metadata readers may normalize it)."""
    by_label = {str(label).lower(): url for label, url in urls.items() if isinstance(url, str) and url}
    return {label: by_label[label.lower()] for label in _DEFAULTS if label.lower() in by_label}
