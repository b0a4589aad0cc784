"""What a lint rule sees: one parsed file, its schema errors, the built spec, and peers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from jsonschema import ValidationError

from engine.dsl.build import Built
from engine.dsl.diagnostics import Diagnostic
from engine.dsl.document import Document, Path
from engine.dsl.spec import AtsSpec, Deployment, SuiteSpec
from engine.paths import TEMPLATES_DIR


@dataclass
class Context:
    doc: Document
    kind: str | None = None
    schema_errors: list[ValidationError] = field(default_factory=list)
    built: Built | None = None
    suite: SuiteSpec | None = None
    """The suite spec that ATS flows, roles and embeds are checked against."""
    ats_specs: Mapping[str, AtsSpec | None] | None = None
    """ATS specs by name, for deployment files (None: unknown, skip the check)."""
    templates_dir: FsPath = TEMPLATES_DIR
    mappings_dir: FsPath | None = None
    """For deployment files: the mappings folder their tenants' specs come from."""

    @property
    def data(self) -> Any:
        return self.doc.data

    @property
    def ats(self) -> AtsSpec | None:
        spec = self.built.spec if self.built else None
        return spec if isinstance(spec, AtsSpec) else None

    @property
    def suite_spec(self) -> SuiteSpec | None:
        spec = self.built.spec if self.built else None
        return spec if isinstance(spec, SuiteSpec) else None

    @property
    def deployment(self) -> Deployment | None:
        spec = self.built.spec if self.built else None
        return spec if isinstance(spec, Deployment) else None

    def at(
        self, path: Path, message: str, rule: str, *, key: bool = False, severity: str = "error"
    ) -> Diagnostic:
        return self.doc.diagnostic(path, message, rule, key=key, severity=severity)


@dataclass(frozen=True)
class Rule:
    """One lint rule: ``check`` yields its diagnostics for one file."""

    name: str
    description: str
    check: Callable[[Context], Iterator[Diagnostic]]


def did_you_mean(word: str, choices: Any) -> str:
    """``"; did you mean 'offset'?"`` when a close choice exists, else ``""``."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""
