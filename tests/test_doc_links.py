"""The links of README.md, docs/*.md and the rule documents lead somewhere: each relative link to a
file that exists, each `#anchor` to a heading of its page, as GitHub makes anchors of headings."""

import re
from pathlib import Path

import pytest

from conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "rules").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _without_code_blocks(path: Path) -> str:
    return re.sub(r"^(`{3,}).*?^\1\s*$", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def _prose(path: Path) -> str:
    """The page without its code, where brackets are not links."""
    return re.sub(r"`[^`\n]*`", "", _without_code_blocks(path))


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as dashes,
    and -1, -2, ... for a heading met again."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", _without_code_blocks(path), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchor, count = slug, 0
        while anchor in anchors:
            count += 1
            anchor = f"{slug}-{count}"
        anchors.add(anchor)
    return anchors


def _links(path: Path) -> list[str]:
    return [target for target in LINK.findall(_prose(path)) if not re.match(r"^[a-z]+:", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_link_leads_somewhere(page):
    broken = []
    for target in _links(page):
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists():
            broken.append(target)
        elif anchor and (linked.suffix != ".md" or anchor not in _anchors(linked)):
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)}: {broken}"


def test_the_readme_links_every_page_of_docs():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in _links(ROOT / "README.md")}
    pages = {path.resolve() for path in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, sorted(path.name for path in pages - linked)
