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
    one, ``mappings/`` beside it (with a suite.yaml or an ``ats/`` folder), else the
    specs shipped with Connector."""
    if value:
        return (config.parent / value).resolve()
    beside = config.parent / "mappings"
    mine = (beside / "suite.yaml").is_file() or (beside / "ats").is_dir()
    return beside.resolve() if mine else MAPPINGS_DIR


def catalog_files(folder: Path) -> tuple[Path, dict[str, Path]]:
    """The suite spec and the ATS specs (by name) a mappings folder stands for.

    A folder with its own ``suite.yaml`` is complete: its specs are all there is. A
    folder of only ``ats/*.yaml`` adds to the shipped specs (one of the same name
    replaces the shipped one), so an integrator's new spec lives in the project's own
    folder without a copy of the shipped ones."""
    own = {p.stem: p for p in sorted((folder / "ats").glob("*.y*ml"))}
    if (folder / "suite.yaml").is_file() or not (folder / "ats").is_dir():
        return folder / "suite.yaml", own  # complete, or not a mappings folder at all
    shipped = {p.stem: p for p in sorted((MAPPINGS_DIR / "ats").glob("*.y*ml"))}
    return MAPPINGS_DIR / "suite.yaml", {**shipped, **own}
