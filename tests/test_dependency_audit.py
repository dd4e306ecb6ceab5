"""The offline dependency audit (deploy/audit.py, run by ./dev test): the lock as committed
passes, and a lock pinning a version an advisory covers fails, naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from packaging.version import Version

from deploy.audit import ROOT, audit, pinned


def test_the_committed_lock_has_no_pinned_version_under_an_advisory():
    assert Version(pinned(ROOT / "uv.lock")["django"]) >= Version("5.2.20")
    assert audit(ROOT / "uv.lock", ROOT / "deploy" / "advisories.toml") == []


def test_a_lock_pinning_django_5_2_19_fails_the_audit(tmp_path: Path):
    text = (ROOT / "uv.lock").read_text(encoding="utf-8")
    version = pinned(ROOT / "uv.lock")["django"]
    old = tmp_path / "uv.lock"
    old.write_text(
        text.replace(
            f'name = "django"\nversion = "{version}"', 'name = "django"\nversion = "5.2.19"'
        )
    )
    (finding,) = audit(old, ROOT / "deploy" / "advisories.toml")
    assert (finding.package, finding.version, finding.fixed) == ("django", "5.2.19", "5.2.20")
    run = subprocess.run(
        [sys.executable, "-m", "deploy.audit", "--lock", str(old)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "django 5.2.19: BANNETTE-2026-001" in run.stdout
