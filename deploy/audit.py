"""Check the versions uv.lock pins against deploy/advisories.toml, offline.

    python -m deploy.audit [--lock uv.lock] [--advisories deploy/advisories.toml]

Prints each pinned package that an advisory covers and exits 1; exits 0 when none does."""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    fixed: str
    summary: str


def pinned(lock: Path) -> dict[str, str]:
    """Every package of the lock with its version (name canonicalised)."""
    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    return {
        canonicalize_name(package["name"]): str(package["version"])
        for package in data.get("package", [])
        if "version" in package
    }


def audit(lock: Path, advisories: Path) -> list[Finding]:
    versions = pinned(lock)
    findings = []
    for advisory in tomllib.loads(advisories.read_text(encoding="utf-8")).get("advisory", []):
        name = canonicalize_name(advisory["package"])
        version = versions.get(name)
        if version is None:
            continue
        if Version(version) in SpecifierSet(advisory["vulnerable"]):
            findings.append(
                Finding(name, version, advisory["id"], advisory["fixed"], advisory["summary"])
            )
    return findings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "uv.lock")
    parser.add_argument("--advisories", type=Path, default=ROOT / "deploy" / "advisories.toml")
    args = parser.parse_args(argv)
    findings = audit(args.lock, args.advisories)
    for finding in findings:
        print(
            f"{finding.package} {finding.version}: {finding.advisory}, fixed in {finding.fixed}"
            f" — {finding.summary}"
        )
    count = len(pinned(args.lock))
    print(f"{count} pinned packages checked, {len(findings)} with a known advisory")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
