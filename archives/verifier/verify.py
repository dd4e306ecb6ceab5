#!/usr/bin/env python3
"""Vérificateur autonome d'un export du journal probant de Bannette.

    python3 verify.py              depuis le dossier décompressé de l'export
    python3 verify.py EXPORT.zip   sur l'archive elle-même
    python3 verify.py preuve.json  la preuve d'intégrité d'un seul courrier

Il n'utilise que la bibliothèque standard de Python (3.9 ou plus) et, pour les jetons
d'horodatage RFC 3161, la commande `openssl ts -verify`. Il vérifie :
- l'intégrité des fichiers de l'export (empreintes SHA-256 du manifeste) ;
- l'empreinte de chaque événement, recalculée sur son contenu ;
- la chaîne : chaque événement y a un maillon, numéroté sans trou, qui porte l'empreinte de
  l'événement et celle du maillon précédent ;
- chaque sceau : son empreinte, son chaînage au sceau précédent, la continuité des numéros
  de maillons, le nombre d'événements et la racine de Merkle des événements qu'il couvre ;
- le jeton d'horodatage de chaque sceau : donné pour l'empreinte de ce sceau, signé par
  l'autorité, et rattaché aux certificats racines de l'export.
Il nomme tout ce qui ne tient pas et sort avec le code 0 si tout tient, 1 sinon.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
EVENT_FIELDS = (
    "seq",
    "timestamp",
    "actor",
    "actor_name",
    "on_behalf_of",
    "on_behalf_of_name",
    "action",
    "object_type",
    "object_id",
    "mail",
    "details",
    "prev_hash",
)
SEAL_FIELDS = ("number", "first_seq", "last_seq", "events", "merkle_root", "previous", "sealed_at")


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({key: event.get(key) for key in EVENT_FIELDS})).hexdigest()


def link_hash(event: dict[str, Any]) -> str:
    payload = {
        "position": event.get("position"),
        "event": event.get("seq"),
        "event_hash": event.get("hash"),
        "prev": event.get("link_prev"),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def seal_hash(seal: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({key: seal.get(key) for key in SEAL_FIELDS})).hexdigest()


def leaf(event_hash_hex: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()


def merkle_root(leaves: list[bytes]) -> str:
    """SHA-256 Merkle tree (leaves prefixed 0x00, nodes 0x01; an odd node goes up alone)."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = leaves
    while len(level) > 1:
        paired = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0].hex()


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.withheld = 0

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)


def check_files(folder: Path, manifest: dict[str, Any], report: Report) -> None:
    for name, expected in sorted(manifest.get("files", {}).items()):
        path = folder / name
        if not path.is_file():
            report.problem(f"fichier manquant : {name}")
            continue
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != expected:
            report.problem(f"fichier modifié depuis l'export : {name}")


def check_events(
    folder: Path, seals: list[dict[str, Any]], report: Report
) -> tuple[dict[int, list[bytes]], int, int | None, int | None]:
    """Recompute every event's hash and the chain; keep the leaves each seal covers."""
    ranges = {seal["number"]: (seal["first_seq"], seal["last_seq"]) for seal in seals}
    leaves: dict[int, list[bytes]] = {number: [] for number in ranges}
    bounds = sorted((first, last, number) for number, (first, last) in ranges.items())
    previous_link = None
    previous_position = None
    count = 0
    first_position = last_position = None
    with (folder / "events.jsonl").open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            try:
                event = json.loads(line)
                seq, position = int(event["seq"]), int(event["position"])
            except (ValueError, KeyError, TypeError):
                report.problem(f"ligne {line_number} de events.jsonl illisible")
                continue
            count += 1
            first_position = position if first_position is None else first_position
            last_position = position
            if event.get("withheld") is True:
                report.withheld += 1  # outside the exporter's perimeter: only its hash is here
            elif event_hash(event) != event.get("hash"):
                report.problem(
                    f"événement n° {seq} ({event.get('action')}) : son contenu ne correspond plus"
                    " à son empreinte (modifié)"
                )
            if previous_position is not None and position != previous_position + 1:
                report.problem(
                    f"maillons n° {previous_position + 1} à {position - 1} de la chaîne absents"
                    " de l'export (événements supprimés ?)"
                )
            if (previous_link is not None and event.get("link_prev") != previous_link) or link_hash(
                event
            ) != event.get("link"):
                report.problem(
                    f"événement n° {seq} : le chaînage à l'événement précédent est rompu"
                )
            if previous_link is None and position == 1 and event.get("link_prev") != GENESIS:
                report.problem("le premier maillon ne part pas de l'origine du journal")
            previous_link, previous_position = event.get("link"), position
            for first, last, number in bounds:
                if first <= position <= last:
                    leaves[number].append(leaf(event.get("hash") or GENESIS))
                    break
    return leaves, count, first_position, last_position


def check_seals(
    seals: list[dict[str, Any]], leaves: dict[int, list[bytes]], report: Report, first_previous: str
) -> None:
    previous_hash, previous_last = first_previous, None
    for seal in seals:
        number = seal["number"]
        if seal_hash(seal) != seal.get("hash"):
            report.problem(f"sceau n° {number} : son contenu a été modifié")
        if seal.get("previous") != previous_hash or (
            previous_last is not None and seal["first_seq"] != previous_last + 1
        ):
            report.problem(f"sceau n° {number} : le chaînage au sceau précédent est rompu")
        covered = leaves.get(number, [])
        if len(covered) != seal["events"]:
            report.problem(
                f"sceau n° {number} : il scelle {seal['events']} événements (maillons n°"
                f" {seal['first_seq']} à {seal['last_seq']}), l'export en contient {len(covered)}"
            )
        elif merkle_root(covered) != seal["merkle_root"]:
            report.problem(
                f"sceau n° {number} : les événements des maillons n° {seal['first_seq']} à"
                f" {seal['last_seq']} ne correspondent plus à sa racine de Merkle (réécrits après"
                " scellement)"
            )
        previous_hash, previous_last = str(seal.get("hash")), seal["last_seq"]


def check_tokens(folder: Path, seals: list[dict[str, Any]], report: Report) -> None:
    openssl = shutil.which("openssl")
    roots = folder / "autorite" / "racines.pem"
    certificates = folder / "autorite" / "certificats.pem"
    stamped = [seal for seal in seals if seal.get("timestamp_token")]
    if not stamped:
        report.note("aucun sceau n'est horodaté (pas d'autorité d'horodatage configurée)")
        return
    if openssl is None:
        report.problem("openssl est introuvable : les jetons d'horodatage n'ont pas été vérifiés")
        return
    partial = not roots.is_file() or not roots.read_text(encoding="ascii").strip()
    if partial:
        report.note(
            "aucune racine de confiance dans l'export : les signatures des jetons sont vérifiées"
            " avec les seuls certificats qu'ils portent"
        )
    with tempfile.TemporaryDirectory() as scratch:
        for seal in stamped:
            token = Path(scratch) / f"seal-{seal['number']}.tsr"
            try:
                token.write_bytes(base64.b64decode(seal["timestamp_token"], validate=True))
            except ValueError:
                report.problem(f"sceau n° {seal['number']} : jeton d'horodatage illisible")
                continue
            command = [
                openssl,
                "ts",
                "-verify",
                "-token_in",
                "-in",
                str(token),
                "-digest",
                seal.get("hash") or "",
                "-CAfile",
                str(certificates if partial else roots),
            ]
            if partial:
                command.append("-partial_chain")
            elif certificates.is_file():
                command += ["-untrusted", str(certificates)]
            # openssl with our own arguments and the package's files
            result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
            if result.returncode != 0 or "Verification: OK" not in result.stdout:
                reason = (result.stderr or result.stdout).strip().splitlines()
                report.problem(
                    f"sceau n° {seal['number']} : son jeton d'horodatage ne se vérifie pas"
                    f" ({reason[-1] if reason else 'openssl'})"
                )


def verify(folder: Path) -> Report:
    report = Report()
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        seals = json.loads((folder / "seals.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        report.problem(f"export incomplet ou illisible : {exc}")
        return report
    check_files(folder, manifest, report)
    seals.sort(key=lambda seal: seal["number"])
    leaves, count, first_position, last_position = check_events(folder, seals, report)
    if count != manifest.get("events"):
        report.problem(
            f"le manifeste annonce {manifest.get('events')} événements, l'export en contient {count}"
        )
    first_previous = manifest.get("previous_seal_hash") or GENESIS
    if seals and seals[0]["number"] == 1 and first_previous != GENESIS:
        report.problem("le premier sceau du journal ne part pas de l'origine")
    check_seals(seals, leaves, report, first_previous)
    check_tokens(folder, seals, report)
    sealed_up_to = int(seals[-1]["last_seq"]) if seals else 0
    if first_position is not None and last_position is not None and last_position > sealed_up_to:
        report.note(
            f"les événements des maillons n° {max(sealed_up_to + 1, first_position)} à"
            f" {last_position} ne sont pas encore scellés : leur chaînage tient, aucun sceau ne"
            " les couvre encore"
        )
    if report.withheld:
        report.note(
            f"{report.withheld} événements concernent des courriers hors du périmètre de la"
            " personne qui a exporté : leur contenu n'est pas dans l'export, leur empreinte,"
            " leur place dans la chaîne et dans les sceaux sont vérifiées"
        )
    report.note(
        f"{count} événements (maillons n° {first_position} à {last_position}),"
        f" {len(seals)} sceaux vérifiés"
    )
    return report


def root_from_proof(event_hash_hex: str, steps: list[list[str]]) -> str:
    node = leaf(event_hash_hex)
    for side, sibling in steps:
        other = bytes.fromhex(sibling)
        node = hashlib.sha256(b"\x01" + (other + node if side == "L" else node + other)).digest()
    return node.hex()


def verify_evidence(path: Path) -> Report:
    """One mail's evidence (preuve.json): each event's hash, its proof up to its seal's Merkle
    root, each seal's hash and timestamp token."""
    report = Report()
    try:
        evidence = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        report.problem(f"preuve illisible : {exc}")
        return report
    seals = {seal["number"]: seal for seal in evidence.get("seals", [])}
    unsealed = 0
    for item in evidence.get("events", []):
        event = item.get("event", {})
        seq = event.get("seq")
        if event_hash(event) != event.get("hash"):
            report.problem(f"événement n° {seq} : son contenu ne correspond plus à son empreinte")
        if item.get("seal") is None:
            unsealed += 1
            continue
        seal = seals.get(item["seal"])
        if seal is None:
            report.problem(f"événement n° {seq} : le sceau n° {item['seal']} manque à la preuve")
        elif root_from_proof(event.get("hash") or GENESIS, item.get("proof", [])) != seal.get(
            "merkle_root"
        ):
            report.problem(
                f"événement n° {seq} : sa preuve ne mène pas à la racine du sceau n° {seal['number']}"
            )
    for seal in seals.values():
        if seal_hash(seal) != seal.get("hash"):
            report.problem(f"sceau n° {seal['number']} : son contenu a été modifié")
    check_tokens(path.parent, list(seals.values()), report)
    if unsealed:
        report.note(f"{unsealed} événement(s) pas encore scellé(s) : aucun sceau ne les couvre")
    mail = evidence.get("mail", {})
    report.note(
        f"courrier {mail.get('chrono_number')} : {len(evidence.get('events', []))} événements,"
        f" {len(seals)} sceaux vérifiés"
    )
    return report


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    if len(argv) > 1 and argv[1].endswith(".json"):
        report = verify_evidence(Path(argv[1]).resolve())
    elif len(argv) == 1 and (here / "preuve.json").is_file():
        report = verify_evidence(here / "preuve.json")
    elif len(argv) > 1:
        archive = Path(argv[1])
        with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(archive) as bundle:
            bundle.extractall(scratch)
            inner = [p for p in Path(scratch).iterdir() if (p / "manifest.json").is_file()]
            report = verify(inner[0] if inner else Path(scratch))
    else:
        report = verify(here)
    for note in report.notes:
        print(f"Note : {note}")
    for problem in report.problems:
        print(f"ÉCHEC : {problem}")
    if report.problems:
        print(f"Résultat : {len(report.problems)} problème(s), le journal ne tient pas.")
        return 1
    print("Résultat : tout tient.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
