"""Load specs for the runtime. Every spec goes through lint first; any error raises
``SpecError`` with all diagnostics, so the runtime never sees an unvalidated spec.

    catalog = load_catalog("mappings")
    catalog.ats["greenhouse"].sync["jobs_to_projects"].fields["name"].search(job)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from engine.dsl.diagnostics import Diagnostic, SpecError
from engine.dsl.lint import lint_text
from engine.dsl.spec import AtsSpec, Deployment, Spec, SuiteSpec
from engine.paths import MAPPINGS_DIR, catalog_files, resolve_mappings

S = TypeVar("S", AtsSpec, SuiteSpec, Deployment)


def _load(path: Path, expected: type[S], **context: object) -> S:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Diagnostic(str(path), 1, 1, f"cannot read file: {exc}", "io")]) from None
    result = lint_text(str(path), text, **context)  # type: ignore[arg-type]
    if result.errors:
        raise SpecError(result.errors)
    spec: Spec | None = result.spec
    if not isinstance(spec, expected):
        kind = expected.__name__.removesuffix("Spec").lower()
        message = f"expected kind {kind!r}, found {result.kind!r}"
        raise SpecError([Diagnostic(str(path), 1, 1, message, "kind")])
    return spec


def load_suite(path: Path | str = MAPPINGS_DIR / "suite.yaml") -> SuiteSpec:
    return _load(Path(path), SuiteSpec)


def load_ats(path: Path | str, suite: SuiteSpec) -> AtsSpec:
    return _load(Path(path), AtsSpec, suite=suite)


@dataclass(frozen=True)
class Catalog:
    """The suite spec and every ATS spec of a mappings folder, by name."""

    suite: SuiteSpec
    ats: Mapping[str, AtsSpec]


def load_catalog(mappings_dir: Path | str = MAPPINGS_DIR) -> Catalog:
    suite_path, ats_paths = catalog_files(Path(mappings_dir))
    suite = load_suite(suite_path)
    specs: dict[str, AtsSpec] = {}
    problems: list[Diagnostic] = []
    for name, path in ats_paths.items():
        try:
            specs[name] = load_ats(path, suite)
        except SpecError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise SpecError(problems)
    return Catalog(suite, MappingProxyType(specs))


def load_deployment(path: Path | str, catalog: Catalog | None = None) -> tuple[Deployment, Catalog]:
    """The deployment and the catalog of its mappings folder (loaded unless given)."""
    path = Path(path)
    if catalog is None:
        catalog = load_catalog(_deployment_mappings(path))
    deployment = _load(path, Deployment, suite=catalog.suite, ats_specs=catalog.ats)
    return deployment, catalog


def _deployment_mappings(path: Path) -> Path:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        data = None  # _load reports it with its position
    value = data.get("mappings") if isinstance(data, dict) else None
    return resolve_mappings(path, value if isinstance(value, str) else None)
