"""Links in the README and docs/ lead somewhere: the file exists, and so does the anchor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    headings = re.findall(r"^#{1,6} (.+)$", text, flags=re.M)
    return {_slug(h) for h in headings} | set(re.findall(r'<a id="([^"]+)"></a>', text))


def _links() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+://|mailto:", target):
                found.append((str(page.relative_to(ROOT)), target))
    return sorted(set(found))


def test_pages_link_to_each_other() -> None:
    assert len(_links()) > 20


@pytest.mark.parametrize(("page", "target"), _links())
def test_link_resolves(page: str, target: str) -> None:
    path, _, anchor = target.partition("#")
    file = (ROOT / page).parent / path if path else ROOT / page
    assert file.exists(), f"{page}: {target} names a missing file"
    if anchor and file.suffix == ".md":
        assert anchor in _anchors(file), f"{page}: {target} names a missing anchor"
