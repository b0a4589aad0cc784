"""Loading specs for the runtime: only valid specs load, compiled once, immutable."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jinja2
import pytest
from jinja2.exceptions import SecurityError

from engine.dsl.diagnostics import SpecError
from engine.dsl.expressions import Expr, Template
from engine.dsl.loader import Catalog, load_ats, load_catalog, load_suite
from engine.dsl.spec import AtsSpec
from engine.paths import MAPPINGS_DIR


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(MAPPINGS_DIR)


def test_shipped_specs_load(catalog: Catalog) -> None:
    assert catalog.suite.name == "suite"
    assert isinstance(catalog.ats["greenhouse"], AtsSpec)


def test_expressions_are_compiled_at_load_time(catalog: Catalog) -> None:
    flow = catalog.ats["greenhouse"].sync["jobs_to_projects"]
    assert isinstance(flow.when, Expr) and flow.when.parsed is not None
    assert flow.when.search({"status": "open"}) is True
    base_url = catalog.suite.connection.base_url
    assert isinstance(base_url, Template) and base_url.is_literal


def test_specs_are_immutable(catalog: Catalog) -> None:
    spec = catalog.ats["greenhouse"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.sync["x"] = spec.sync["jobs_to_projects"]  # type: ignore[index]


def test_templates_are_strict_and_sandboxed() -> None:
    with pytest.raises(jinja2.UndefinedError):
        Template.compile("{{ secrets.missing }}").render(secrets={})
    with pytest.raises(SecurityError):
        Template.compile("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()
    with pytest.raises(SecurityError):
        Template.compile("{{ secrets.update({'a': 1}) }}").render(secrets={})


def test_an_invalid_spec_does_not_load(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (
        (MAPPINGS_DIR / "ats" / "greenhouse.yaml")
        .read_text()
        .replace("type: link_header", "type: link_headers")
    )
    bad.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_ats(bad, load_suite())
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.rule == "type" and "link_header" in diagnostic.message
    assert str(bad) in str(caught.value)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read file"):
        load_suite(tmp_path / "nope.yaml")


def test_a_suite_file_is_not_an_ats_spec() -> None:
    with pytest.raises(SpecError, match="expected kind 'ats', found 'suite'"):
        load_ats(MAPPINGS_DIR / "suite.yaml", load_suite())


def test_a_folder_of_only_ats_specs_adds_to_the_shipped_ones(tmp_path: Path) -> None:
    """An integrator's own spec beside connector.yaml, without copying the shipped ones;
    a spec of a shipped name replaces that one. Lint sees the same catalog."""
    from engine.dsl.lint import lint_paths
    from engine.dsl.loader import load_deployment

    shipped = (MAPPINGS_DIR / "ats" / "greenhouse.yaml").read_text(encoding="utf-8")
    (tmp_path / "mappings" / "ats").mkdir(parents=True)
    mine = shipped.replace("name: greenhouse", "name: harvest").replace(
        "title: Greenhouse Harvest v3", "title: Harvest, our own"
    )
    (tmp_path / "mappings" / "ats" / "harvest.yaml").write_text(mine, encoding="utf-8")
    catalog = load_catalog(tmp_path / "mappings")
    assert catalog.ats["harvest"].title == "Harvest, our own"
    assert set(load_catalog(MAPPINGS_DIR).ats) < set(catalog.ats)  # the shipped ones too
    assert catalog.suite == load_catalog(MAPPINGS_DIR).suite

    config = tmp_path / "connector.yaml"  # mappings/ beside it is found without a key
    config.write_text(
        "kind: deployment\ndatabase: sqlite:///c.db\nsuite: {base_url: https://suite.example}\n"
        "tenants:\n  acme: {ats: harvest, suite_company: acme, setup: static,\n"
        "         secrets: {client_id: a, client_secret: b, user_id: '1', webhook_secret: c},\n"
        "         suite_secrets: {client_id: a, client_secret: b, webhook_secret: c}}\n",
        encoding="utf-8",
    )
    deployment, found = load_deployment(config)
    assert deployment.tenants["acme"].ats == "harvest" and "harvest" in found.ats
    (result,) = lint_paths([config])
    assert result.errors == []
