"""Where Connector's data is: the schemas, the shipped specs and the widget templates.

They are edited at the top of the checkout (``schemas/``, ``mappings/``, ``ui_templates/``)
and ship inside the package as ``engine/_data/``: in a checkout those entries are symbolic
links to the top-level folders, in a wheel they are the copied files. Either way the one
path below, derived from this file, finds them, so an editable install and a wheel
install behave alike. ``resolve()`` names the real folder, so diagnostics in a checkout
say ``mappings/…``, not ``engine/_data/mappings/…``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "_data"
#: The checkout (tests, docs, CI); in a wheel install, the ``site-packages`` folder.
PROJECT_ROOT = PACKAGE_DIR.parent
SCHEMA_DIR = (DATA_DIR / "schemas").resolve()
MAPPINGS_DIR = (DATA_DIR / "mappings").resolve()
TEMPLATES_DIR = (DATA_DIR / "ui_templates").resolve()


def resolve_mappings(config: Path, value: str | None) -> Path:
    """The mappings folder of a connector.yaml: ``value`` relative to the file; without
    one, ``mappings/`` beside it, else the specs shipped with Connector."""
    if value:
        return (config.parent / value).resolve()
    beside = config.parent / "mappings"
    return beside.resolve() if (beside / "suite.yaml").is_file() else MAPPINGS_DIR
