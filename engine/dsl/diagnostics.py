"""What lint and the loader report: a message pinned to a file, line and column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Mark:
    line: int
    col: int


@dataclass(frozen=True, order=True)
class Diagnostic:
    """``path:line:col: message [rule]``, the format editors and CI annotators parse."""

    path: str
    line: int
    col: int
    message: str
    rule: str
    severity: str = "error"

    def __str__(self) -> str:
        tag = self.rule if self.severity == "error" else f"{self.rule}, {self.severity}"
        return f"{self.path}:{self.line}:{self.col}: {self.message} [{tag}]"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SpecError(Exception):
    """A spec that cannot be used. Carries every diagnostic, each with its position."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics)
        lines = [str(d) for d in self.diagnostics]
        super().__init__("invalid spec:\n" + "\n".join(lines) if lines else "invalid spec")
