"""Where the project's data folders are: beside the ``engine`` package."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = PROJECT_ROOT / "schemas"
MAPPINGS_DIR = PROJECT_ROOT / "mappings"
TEMPLATES_DIR = PROJECT_ROOT / "ui_templates"


def resolve_mappings(config: Path, value: str | None) -> Path:
    """The mappings folder of a connector.yaml: ``value`` relative to the file; without
    one, ``mappings/`` beside it, else the specs shipped with Connector."""
    if value:
        return (config.parent / value).resolve()
    beside = config.parent / "mappings"
    return beside.resolve() if (beside / "suite.yaml").is_file() else MAPPINGS_DIR
