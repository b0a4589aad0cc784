"""Lint spec files: parse with positions, validate against the schema, build, run rules.

The loader uses the same path, so a spec the runtime accepts is exactly a spec that
lints without errors, and the runtime's error messages are lint's messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.dsl.build import build
from engine.dsl.context import Context
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.document import parse_document
from engine.dsl.rules import RULES
from engine.dsl.schemas import KINDS, schema_errors
from engine.dsl.spec import AtsSpec, Spec, SuiteSpec
from engine.paths import MAPPINGS_DIR, TEMPLATES_DIR, catalog_files, resolve_mappings

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass
class Result:
    path: str
    kind: str | None
    spec: Spec | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def lint_text(
    path: str,
    text: str,
    *,
    suite: SuiteSpec | None = None,
    ats_specs: Mapping[str, AtsSpec | None] | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    mappings_dir: Path | None = None,
) -> Result:
    doc = parse_document(path, text)
    ctx = Context(
        doc, suite=suite, ats_specs=ats_specs, templates_dir=templates_dir,
        mappings_dir=mappings_dir,
    )  # fmt: skip
    data = doc.data
    if isinstance(data, dict) and data.get("kind") in KINDS:
        ctx.kind = str(data["kind"])
        ctx.schema_errors = list(schema_errors(doc, ctx.kind))
        if not ctx.schema_errors and not any(d.rule == "yaml" for d in doc.errors):
            ctx.built = build(ctx.kind, data)
    found = {d for rule in RULES for d in rule.check(ctx) if not doc.ignored(d)}
    spec = ctx.built.spec if ctx.built else None
    result = Result(path, ctx.kind, spec, sorted(found))
    if result.errors:
        result.spec = None
    return result


def spec_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The YAML files named, with directories walked in sorted order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.suffix in SPEC_SUFFIXES and p.is_file()
            )
        else:
            yield path


def _read(path: Path) -> str | Diagnostic:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Diagnostic(str(path), 1, 1, f"cannot read file: {exc}", "io")


def _kind_of(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("kind:"):
            return line.partition(":")[2].split("#")[0].strip().strip("'\"")
    return None


def lint_paths(paths: Iterable[str | Path], *, mappings_dir: Path = MAPPINGS_DIR) -> list[Result]:
    """Lint files in dependency order: the suite spec, then ATS specs, then deployments.

    ATS specs are checked against the suite spec among ``paths`` or, failing that,
    ``mappings_dir/suite.yaml``; deployments against the ATS specs of ``mappings_dir``.
    """
    files = list(dict.fromkeys(spec_files(paths)))
    texts: dict[Path, str] = {}
    results: dict[Path, Result] = {}
    for path in files:
        text = _read(path)
        if isinstance(text, Diagnostic):
            results[path] = Result(str(path), None, None, [text])
        else:
            texts[path] = text
    order = {"suite": 0, "ats": 1}
    queue = sorted(texts, key=lambda p: order.get(_kind_of(texts[p]) or "", 2))
    suite: SuiteSpec | None = None
    if not any(_kind_of(texts[p]) == "suite" for p in queue):
        suite = _load_default_suite(mappings_dir)
    for path in queue:
        if _kind_of(texts[path]) == "deployment":
            folder = resolve_mappings(path, _mappings_key(texts[path]))
            result = lint_text(
                str(path), texts[path], mappings_dir=folder, **_catalogue(folder, results)
            )
        else:
            result = lint_text(str(path), texts[path], suite=suite)
        results[path] = result
        if isinstance(result.spec, SuiteSpec) and suite is None:
            suite = result.spec
    return [results[p] for p in files]


def _mappings_key(text: str) -> str | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    value = data.get("mappings") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _load_default_suite(mappings_dir: Path) -> SuiteSpec | None:
    path = catalog_files(mappings_dir)[0]
    if not path.is_file():
        return None
    spec = lint_text(str(path), path.read_text(encoding="utf-8")).spec
    return spec if isinstance(spec, SuiteSpec) else None


def _catalogue(folder: Path, done: Mapping[Path, Result]) -> dict[str, Any]:
    """The suite spec and every ATS spec (None when it has errors) of a mappings folder."""
    suite = _load_default_suite(folder)
    specs: dict[str, AtsSpec | None] = {}
    for name, path in catalog_files(folder)[1].items():
        result = done.get(path) or lint_text(
            str(path), path.read_text(encoding="utf-8"), suite=suite
        )
        specs[name] = result.spec if isinstance(result.spec, AtsSpec) else None
    return {"suite": suite, "ats_specs": specs}
