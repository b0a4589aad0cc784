"""``connector partner-key`` as a company's admin runs it: a key shown once and kept as a
digest, revocable; a tenant whose ATS has no partner surface is told so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from engine.store.partner_keys import PartnerKeys
from simulators.lever.simulator import Lever
from simulators.world import TENANT, World

CLI = [sys.executable, "-m", "engine.cli"]


def _run(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONNECTOR_ENCRYPTION_KEY": world.key}
    config = ["--config", str(world.config_path)]
    return subprocess.run([*CLI, *args, *config], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


def test_a_key_is_shown_once_works_and_can_be_revoked(tmp_path: Path) -> None:
    with World(tmp_path) as world:
        assert _run(world, "db", "upgrade").returncode == 0
        issued = _run(world, "partner-key", TENANT)
        assert issued.returncode == 0, issued.stderr
        key = issued.stdout.strip()
        assert key.startswith("cpk_") and "/partner/acme/greenhouse/" in issued.stderr
        assert "basic auth" in issued.stderr
        keys = PartnerKeys(world.runtime().engine)
        assert keys.tenant_of(key) == TENANT
        assert key not in world.database_url() and key not in (
            tmp_path / "connector.db"
        ).read_bytes().decode("latin-1")
        revoked = _run(world, "partner-key", TENANT, "--revoke")
        assert revoked.returncode == 0 and revoked.stdout.strip() == f"{TENANT}: 1 key(s) revoked"
        assert keys.tenant_of(key) is None


def test_an_ats_without_a_partner_surface_is_refused(tmp_path: Path) -> None:
    with World(tmp_path, ats=[Lever()]) as world:
        assert _run(world, "db", "upgrade").returncode == 0
        refused = _run(world, "partner-key", TENANT)
        assert refused.returncode == 2
        assert "the lever spec has no partner section" in refused.stderr
