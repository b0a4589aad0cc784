"""Where the project's data folders are: beside the ``engine`` package."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = PROJECT_ROOT / "schemas"
MAPPINGS_DIR = PROJECT_ROOT / "mappings"
TEMPLATES_DIR = PROJECT_ROOT / "ui_templates"
