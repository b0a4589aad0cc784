"""docs/spec-reference.md is generated from schemas/ and must not drift from them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine.dsl.reference import reference
from engine.dsl.schemas import load_schema

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "spec-reference.md"
REGENERATE = "python -m engine.dsl.reference > docs/spec-reference.md"


def test_committed_reference_matches_the_schemas() -> None:
    assert PAGE.read_text(encoding="utf-8") == reference(), (
        f"docs/spec-reference.md differs from schemas/; regenerate it: {REGENERATE}"
    )


def test_module_prints_the_page() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "engine.dsl.reference"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout == reference()


def test_every_described_property_is_in_the_page() -> None:
    page = reference()
    for kind in ("ats", "suite", "deployment", "common"):
        schema = load_schema(kind)
        for node in [schema, *schema.get("$defs", {}).values()]:
            for name, prop in node.get("properties", {}).items():
                assert f"`{name}`" in page or f".{name}`" in page, (kind, name)
                if "description" in prop:
                    assert prop["description"] in page, (kind, name)


def test_type_variants_are_listed() -> None:
    page = reference()
    common = load_schema("common")
    for union in ("auth", "pagination", "signature"):
        for value in common["$defs"][union]["properties"]["type"]["enum"]:
            assert f"- `type: {value}`: [{union}_{value}](#common-{union}-" in page, value


def test_allowed_values_and_examples_are_shown() -> None:
    page = reference()
    setups = load_schema("ats")["properties"]["setups"]
    assert "Allowed: " + ", ".join(f"`{v}`" for v in setups["items"]["enum"]) in page
    assert f"Example: `{json.dumps(setups['examples'][0])}`" in page
