"""The layers stay apart: read from every module's import statements, not from its text.

- ``engine.dsl`` (the spec language) imports nothing of the runtime: from ``engine`` it
  may use only ``engine.dsl``, ``engine.paths`` and ``engine.errors``.
- ``engine`` imports nothing from ``simulators``: the simulators are test and demo parts.
- Only ``engine/store/`` builds SQL. Elsewhere in the shipped code (``engine``,
  ``simulators``) a module may import from sqlalchemy only the connection types it passes
  along (``Engine``, ``Connection``), the errors it catches (``sqlalchemy.exc``), and
  anything under ``if TYPE_CHECKING:``; and none of the store's ``Table`` objects
  (``engine.store.tables.links``, ...), which build SQL as well as ``select`` does.

Tests and benchmarks are left out of the SQL rule on purpose: they read the store's
tables from outside to check what the runtime wrote, and create the test databases.

A failure names each offence as ``path:line: imports X (why)``, e.g.::

    engine/work/scheduler.py:18: imports sqlalchemy.insert (only engine/store/ builds SQL)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Table

from engine.paths import PROJECT_ROOT
from engine.store import tables

DSL_MAY_IMPORT = ("engine.dsl", "engine.paths", "engine.errors")
SQL_MAY_IMPORT = (
    "sqlalchemy.exc",
    "sqlalchemy.Engine",
    "sqlalchemy.Connection",
    "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.Connection",
)
# The store's Table objects build SQL as well as sqlalchemy's functions do.
STORE_TABLES = frozenset(
    f"engine.store.tables.{name}"
    for name, value in vars(tables).items()
    if isinstance(value, Table)
)


@dataclass(frozen=True)
class Import:
    """One imported name: ``from a.b import c`` at line 3 is ``Import("a.b.c", 3, False)``."""

    target: str
    line: int
    typing_only: bool


@dataclass(frozen=True)
class Module:
    """A module's source and where it sits, e.g. ``Module(Path("engine/dsl/build.py"), "...")``."""

    path: Path  # relative to the project root
    source: str

    @classmethod
    def read(cls, path: Path) -> Module:
        return cls(path.relative_to(PROJECT_ROOT), path.read_text(encoding="utf-8"))

    @property
    def package(self) -> list[str]:
        """The package relative imports start from: ``engine/dsl/build.py`` -> engine.dsl."""
        return list(self.path.parent.parts)


def modules(*folders: str) -> list[Module]:
    return [Module.read(p) for f in folders for p in sorted((PROJECT_ROOT / f).rglob("*.py"))]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.package
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def imports(module: Module) -> Iterator[Import]:
    """Every name a module imports, with its line and whether only type checkers see it."""
    tree = ast.parse(module.source, filename=str(module.path))
    typing_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for inner in node.body:
                typing_lines.update(n.lineno for n in ast.walk(inner) if isinstance(n, ast.stmt))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno, node.lineno in typing_lines)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                yield Import(f"{source}.{alias.name}", node.lineno, node.lineno in typing_lines)


def _within(target: str, prefixes: tuple[str, ...]) -> bool:
    return any(target == p or target.startswith(f"{p}.") for p in prefixes)


def _offence(module: Module, imp: Import, why: str) -> str:
    return f"{module.path}:{imp.line}: imports {imp.target} ({why})"


def dsl_offences(module: Module) -> list[str]:
    return [
        _offence(module, imp, f"engine.dsl may use only {', '.join(DSL_MAY_IMPORT)}")
        for imp in imports(module)
        if _within(imp.target, ("engine",)) and not _within(imp.target, DSL_MAY_IMPORT)
    ]


def simulator_offences(module: Module) -> list[str]:
    return [
        _offence(module, imp, "engine imports nothing from simulators")
        for imp in imports(module)
        if _within(imp.target, ("simulators",))
    ]


def sql_offences(module: Module) -> list[str]:
    return [
        _offence(module, imp, "only engine/store/ builds SQL")
        for imp in imports(module)
        if not imp.typing_only and _builds_sql(imp.target)
    ]


def _builds_sql(target: str) -> bool:
    if _within(target, ("sqlalchemy",)):
        return not _within(target, SQL_MAY_IMPORT)
    # The whole tables module hands out its Table objects too.
    return target in STORE_TABLES or target == "engine.store.tables"


def _report(offences: list[str]) -> str:
    return f"{len(offences)} forbidden import(s):\n" + "\n".join(offences)


def test_the_spec_language_imports_no_runtime() -> None:
    offences = [o for module in modules("engine/dsl") for o in dsl_offences(module)]
    assert not offences, _report(offences)


def test_the_engine_imports_no_simulator() -> None:
    offences = [o for module in modules("engine") for o in simulator_offences(module)]
    assert not offences, _report(offences)


def test_only_the_store_builds_sql() -> None:
    offences = [
        o
        for module in modules("engine", "simulators")
        if not module.path.is_relative_to("engine/store")
        for o in sql_offences(module)
    ]
    assert not offences, _report(offences)


# --- the checks themselves, on modules written for the purpose -------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import sqlalchemy\n", ["sqlalchemy"]),
        ("from sqlalchemy import Engine, select\n", ["sqlalchemy.select"]),
        ("from sqlalchemy.exc import IntegrityError\n", []),
        ("from sqlalchemy.engine import Connection\n", []),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sqlalchemy import Table\n",
            [],
        ),
        ("def f():\n    from sqlalchemy import text\n", ["sqlalchemy.text"]),
        (
            "from engine.store.tables import links, make_engine\n",
            ["engine.store.tables.links"],
        ),
        ("from engine.store import tables\n", ["engine.store.tables"]),
    ],
    ids=[
        "bare-module",
        "select",
        "exc",
        "connection",
        "typing-only",
        "inside-a-function",
        "store-table",
        "tables-module",
    ],
)
def test_sql_check_reads_imports(source: str, expected: list[str]) -> None:
    assert _names(sql_offences(Module(Path("engine/web/probe.py"), source))) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from engine.sync.engine import SyncEngine\n", ["engine.sync.engine.SyncEngine"]),
        ("from engine import tenants\n", ["engine.tenants"]),
        ("from ..web import app\n", ["engine.web.app"]),
        ("from . import model\nfrom engine.errors import SpecError\n", []),
        ("import engine.metrics\n", ["engine.metrics"]),
    ],
    ids=["absolute", "from-package", "relative", "allowed", "import-statement"],
)
def test_dsl_check_reads_imports(source: str, expected: list[str]) -> None:
    assert _names(dsl_offences(Module(Path("engine/dsl/probe.py"), source))) == expected


def test_an_offence_names_the_module_the_line_and_the_import() -> None:
    source = '"""Doc."""\n\nfrom simulators.world import World\n'
    [offence] = simulator_offences(Module(Path("engine/web/probe.py"), source))
    assert offence == (
        "engine/web/probe.py:3: imports simulators.world.World "
        "(engine imports nothing from simulators)"
    )


def _names(offences: list[str]) -> list[str]:
    return [o.split(" imports ")[1].split(" ")[0] for o in offences]


def test_the_walk_reads_the_real_modules() -> None:
    # Guards the checks above against passing because they looked at nothing.
    found = {module.path.as_posix(): module for module in modules("engine", "simulators")}
    assert "engine/dsl/build.py" in found and "simulators/world.py" in found
    targets = {imp.target for imp in imports(found["engine/dsl/build.py"])}
    assert "engine.dsl.expressions.Template" in targets


# --- no ATS in the engine -------------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the nodes that are docstrings: documentation, not behaviour."""
    found = set()
    for node in ast.walk(tree):
        kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def ats_offences(module: Module, names: frozenset[str]) -> list[str]:
    """Strings and identifiers of the code (not its docstrings or comments) that name an
    ATS: behaviour keyed to one ATS, where only a spec should know it."""
    tree = ast.parse(module.source)
    docs = _docstrings(tree)
    out = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        hit = next((n for n in names if text and n in text.lower()), None)
        if hit:
            out.append(f"{module.path}:{getattr(node, 'lineno', 0)}: names {hit!r}")
    return out


def test_no_engine_code_names_an_ats() -> None:
    """Every ATS is a spec: the engine's code keys nothing to one (docstrings may show
    one as an example)."""
    names = frozenset(p.stem for p in (PROJECT_ROOT / "mappings" / "ats").glob("*.yaml"))
    assert {"greenhouse", "lever", "workable", "teamtailor", "bamboohr"} <= names
    offences = [o for m in modules("engine") for o in ats_offences(m, names)]
    assert not offences, "\n".join(offences)


def test_the_ats_check_bites() -> None:
    source = '"""Greenhouse, in a docstring, is fine."""\n\nif spec.name == "lever":\n    pass\n'
    found = ats_offences(
        Module(Path("engine/web/probe.py"), source), frozenset({"lever", "greenhouse"})
    )
    assert found == ["engine/web/probe.py:3: names 'lever'"]
