"""A wheel install works from any folder: the schemas, specs and templates ship inside it.

The wheel is built from a copy of the checkout, installed with its dependencies into a
fresh virtual environment, and its ``connector`` command is run from an empty folder,
where no checkout is in reach. Dependencies come from the package index; when pip cannot
reach it the install tests skip, loudly.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.paths import MAPPINGS_DIR, PROJECT_ROOT, SCHEMA_DIR, TEMPLATES_DIR
from tests.conftest import skip_loudly

DATA_FOLDERS = {"schemas": SCHEMA_DIR, "mappings": MAPPINGS_DIR, "ui_templates": TEMPLATES_DIR}
NOT_SOURCE = (
    ".git",
    ".venv",
    "__pycache__",
    ".*_cache",
    "artifacts",
    "build",
    "dist",
    "*.egg-info",
    "*.db",
)


def _run(
    args: Sequence[str | Path], *, cwd: Path, env: dict[str, str] | None = None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a command in a session of its own; on timeout kill all of it, then fail."""
    process = subprocess.Popen(
        [str(a) for a in args], cwd=cwd, env=env, text=True, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"{' '.join(map(str, args))} ran over {timeout}s:\n{out}\n{err}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _index_reachable(scratch: Path) -> str | None:
    """None when pip can fetch the build backend, else why it cannot."""
    probe = _run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--timeout", "20",
         "--retries", "1", "--dest", scratch / "probe", "setuptools>=69"],
        cwd=scratch, timeout=120,
    )  # fmt: skip
    if probe.returncode == 0:
        return None
    last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
    return f"pip cannot reach the package index, so no wheel install was tested: {last}"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path
    empty: Path
    env: dict[str, str]

    def connector(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return _run([self.bin / "connector", *args], cwd=self.empty, env=self.env, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scratch = tmp_path_factory.mktemp("wheel")
    reason = _index_reachable(scratch)
    if reason:
        skip_loudly(reason)
    source = scratch / "source"
    shutil.copytree(PROJECT_ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", scratch / "dist", source],
        cwd=scratch, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = (scratch / "dist").glob("connector-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("installed")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CONNECTOR_"))}
    env |= {"VIRTUAL_ENV": str(root / "venv"), "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}"}
    pip = _run([bin_dir / "python", "-m", "pip", "install", "--quiet", wheel], cwd=root,
               env=env, timeout=600)  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    empty = root / "empty"
    empty.mkdir()
    yield Installed(wheel, bin_dir, empty, env)
    assert not list(empty.iterdir()), "the commands wrote into the folder they ran from"


def test_a_checkout_finds_the_top_level_folders() -> None:
    for name, folder in DATA_FOLDERS.items():
        assert folder == PROJECT_ROOT / name
        assert (PROJECT_ROOT / "engine" / "_data" / name).resolve() == folder


def test_the_wheel_holds_every_schema_spec_and_template(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if n.startswith("engine/_data/")}
        names = set(archive.namelist())
        (listing,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = archive.read(listing).decode()
    expected = {
        f"engine/_data/{name}/{path.relative_to(folder).as_posix()}"
        for name, folder in DATA_FOLDERS.items()
        for path in folder.rglob("*")
        if path.is_file()
    }
    assert shipped == expected
    assert "simulators/demo.py" in names
    assert "engine/store/migrations/script.py.mako" in names
    assert re.search(r"^demo = simulators\.demo:run$", entry_points, re.M), entry_points


def test_the_installed_package_reads_its_own_data(installed: Installed) -> None:
    show = _run(
        [installed.bin / "python", "-c",
         "from engine import paths; from simulators.suite import OPENAPI_PATH\n"
         "for p in (paths.SCHEMA_DIR, paths.MAPPINGS_DIR, paths.TEMPLATES_DIR, OPENAPI_PATH):"
         " print(p)"],
        cwd=installed.empty, env=installed.env, timeout=60,
    )  # fmt: skip
    assert show.returncode == 0, show.stderr
    site = installed.bin.parent.resolve()
    for line in show.stdout.splitlines():
        path = Path(line)
        assert path.is_relative_to(site) and path.exists(), line


def test_lint_from_an_empty_folder_checks_the_shipped_specs(installed: Installed) -> None:
    count = sum(1 for p in MAPPINGS_DIR.rglob("*") if p.suffix in (".yaml", ".yml"))
    lint = installed.connector("lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert f"{count} file(s) checked: 0 error(s), 0 warning(s)" in lint.stderr


def test_demo_check_from_an_empty_folder_passes_every_step(installed: Installed) -> None:
    demo = installed.connector("demo", "--check")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    passed = re.search(r"^demo: (\d+)/(\d+) steps passed$", demo.stdout, re.M)
    assert passed and passed[1] == passed[2] and int(passed[1]) > 0, demo.stdout + demo.stderr
