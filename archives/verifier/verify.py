#!/usr/bin/env python3
"""Vérificateur autonome des exports du journal probant de Bannette et des preuves d'un courrier.

    python3 verify.py EXPORT.zip --trust AUTORITE.pem [--seal seal-00000042.json ...]
    python3 verify.py DOSSIER    --trust AUTORITE.pem          (l'export ou la preuve décompressés)
    python3 verify.py preuve.json --trust AUTORITE.pem         (la preuve d'un seul courrier)

--trust : les certificats de l'autorité d'horodatage (ou de son autorité racine), tels que vous
          les tenez vous-même de l'autorité, jamais ceux de l'export : un faussaire peut y mettre
          les siens. Sans --trust, rien n'est prouvé : le vérificateur contrôle ce qu'il peut et
          le dit.
--seal  : une copie d'un sceau que vous détenez (dossier des sceaux de Bannette, ou pièce jointe
          du courriel de scellement) ; l'export doit l'atteindre et s'accorder avec lui.

Il n'utilise que la bibliothèque standard de Python (3.9 ou plus) et la commande `openssl`.
Il vérifie :
- le manifeste, horodaté au moment de l'export (manifest.tsr), et l'empreinte SHA-256 de chaque
  fichier qu'il liste : rien n'a été retranché, ajouté ou changé depuis ;
- l'empreinte de chaque événement, recalculée sur son contenu ; la chaîne : chaque événement a
  un maillon, numéroté sans trou ni doublon, dans l'ordre, qui porte l'empreinte de l'événement
  et celle du maillon précédent ;
- chaque sceau : son empreinte, son chaînage au sceau précédent, la continuité des maillons,
  le nombre d'événements et la racine de Merkle des événements qu'il couvre ; tout événement de
  l'export est couvert par un sceau ; l'export va jusqu'au dernier sceau de la période ;
- le jeton d'horodatage RFC 3161 de chaque sceau et de l'export : donné pour cette empreinte,
  signé par une autorité rattachée aux certificats de --trust, valide à la date du jeton.

Codes de sortie :
  0  tout tient : l'intégrité est vérifiée et prouvée par l'autorité de --trust ;
  1  au moins un problème : ce qui ne tient pas est nommé ;
  2  mauvaise utilisation (argument manquant, fichier introuvable) ;
  3  non prouvé : aucun problème trouvé, mais la preuve manque (sans --trust, ou sceaux non
     horodatés) ; le vérificateur dit pourquoi.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterator

HOLDS, FAILS, USAGE, UNPROVEN = 0, 1, 2, 3
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
STAMP = "manifest.tsr"


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


def personal_digest(salt: str, data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(salt.encode() + text.encode()).hexdigest()


def check_personal(event: dict[str, Any], report: Report) -> None:
    """An event's personal part (names, free text) sits beside its hashed content, which
    keeps its salted digest: it must match while held; once erased, only the digest is left."""
    digest = (
        (event.get("details") or {}).get("personal")
        if isinstance(event.get("details"), dict)
        else None
    )
    part = event.get("personal")
    if digest is None:
        if part is not None:
            report.problem(f"événement n° {event.get('seq')} : données personnelles ajoutées")
        return
    if part is None:
        report.erased += 1
    elif (
        not isinstance(part, dict)
        or personal_digest(str(part.get("salt", "")), part.get("data")) != digest
    ):
        report.problem(
            f"événement n° {event.get('seq')} : ses données personnelles ne correspondent plus à"
            " leur empreinte (modifiées)"
        )


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


def root_from_proof(event_hash_hex: str, steps: list[list[str]]) -> str:
    node = leaf(event_hash_hex)
    for side, sibling in steps:
        other = bytes.fromhex(sibling)
        node = hashlib.sha256(b"\x01" + (other + node if side == "L" else node + other)).digest()
    return node.hex()


def instant(text: Any) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def day_and_hour(moment: datetime.datetime | None) -> str:
    return (
        moment.astimezone(datetime.timezone.utc).strftime("%d/%m/%Y %H:%M UTC") if moment else "?"
    )


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.unproven: list[str] = []
        self.withheld = 0
        self.erased = 0

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def not_proven(self, text: str) -> None:
        if text not in self.unproven:
            self.unproven.append(text)


class Authority:
    """Checks RFC 3161 tokens with `openssl ts -verify`: against the archivist's own
    certificates (--trust), or, without them, only whether the token was given for this digest
    and signed by the certificate it carries (which a forger can make: nothing is proved)."""

    def __init__(self, trust: Path | None, extra_certificates: Path | None, report: Report):
        self.trust, self.extra, self.report = trust, extra_certificates, report
        self.openssl = shutil.which("openssl")
        self.scratch = Path(tempfile.mkdtemp(prefix="bannette-verify-"))
        self.count = 0
        self.latest: datetime.datetime | None = None

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _run(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - openssl with our own arguments
            [str(self.openssl), *arguments], capture_output=True, text=True, check=False
        )

    def _stamped_at(self, token: Path) -> datetime.datetime | None:
        shown = self._run("ts", "-reply", "-token_in", "-in", str(token), "-text").stdout
        found = re.search(r"Time stamp: (\w{3}) +(\d+) (\d\d:\d\d:\d\d)(?:\.\d+)? (\d{4})", shown)
        if not found:
            return None
        month, day, hour, year = found.groups()
        return datetime.datetime.strptime(
            f"{month} {int(day):02d} {hour} {year}", "%b %d %H:%M:%S %Y"
        ).replace(tzinfo=datetime.timezone.utc)

    def _carried(self, token: Path) -> Path:
        """The certificates the token carries, plus the package's, as one PEM file."""
        bundle = token.with_suffix(".pem")
        shown = self._run("pkcs7", "-inform", "DER", "-in", str(token), "-print_certs").stdout
        extra = (
            self.extra.read_text(encoding="ascii") if self.extra and self.extra.is_file() else ""
        )
        bundle.write_text(shown + "\n" + extra, encoding="ascii")
        return bundle

    def check(self, token_b64: str | bytes | None, digest: str, label: str) -> bool:
        """Whether the token holds for the digest; a missing or failing token is a problem."""
        if not token_b64:
            self.report.problem(f"{label} : pas de jeton d'horodatage")
            return False
        if self.openssl is None:
            self.report.problem(
                "openssl est introuvable : les jetons d'horodatage ne sont pas vérifiés"
            )
            return False
        self.count += 1
        token = self.scratch / f"token-{self.count}.tsr"
        try:
            raw = (
                token_b64
                if isinstance(token_b64, bytes)
                else base64.b64decode(token_b64, validate=True)
            )
        except ValueError:
            self.report.problem(f"{label} : jeton d'horodatage illisible")
            return False
        token.write_bytes(raw)
        stamped_at = self._stamped_at(token)
        carried = self._carried(token)
        command = ["ts", "-verify", "-token_in", "-in", str(token), "-digest", digest]
        if self.trust is not None:
            command += ["-CAfile", str(self.trust), "-untrusted", str(carried)]
        else:
            command += ["-CAfile", str(carried), "-partial_chain"]
        if stamped_at is not None:  # the authority's certificate is judged at the token's date
            command += ["-attime", str(int(stamped_at.timestamp()))]
        result = self._run(*command)
        if result.returncode != 0 or "Verification: OK" not in result.stdout:
            reason = (result.stderr or result.stdout).strip().splitlines()
            detail = reason[-1] if reason else "openssl"
            if self.trust is not None:
                self.report.problem(
                    f"{label} : son jeton d'horodatage ne se vérifie pas avec les certificats"
                    f" de --trust ({detail})"
                )
            else:
                self.report.problem(
                    f"{label} : son jeton d'horodatage ne se vérifie pas ({detail})"
                )
            return False
        if stamped_at and (self.latest is None or stamped_at > self.latest):
            self.latest = stamped_at
        return True


# --- The package: its manifest, its files, its own timestamp ------------------------------------


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


def check_stamp(
    folder: Path, manifest: dict[str, Any], authority: Authority, report: Report
) -> None:
    """The manifest was timestamped when the package was made: nothing listed in it (files,
    period, last seal at that moment) can change after."""
    stamp = folder / STAMP
    digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    if stamp.is_file():
        if authority.check(stamp.read_bytes(), digest, "le manifeste de l'export"):
            report.note(f"le manifeste est horodaté : empreinte SHA-256 {digest}")
    elif manifest.get("timestamp_authority") is False:
        report.not_proven(
            "l'instance n'avait pas d'autorité d'horodatage au moment de l'export : ni l'export"
            " ni ses sceaux ne sont horodatés"
        )
    else:
        report.problem(f"le manifeste n'est pas horodaté ({STAMP} manque)")


def check_seal_tokens(
    seals: list[dict[str, Any]], manifest: dict[str, Any], authority: Authority, report: Report
) -> None:
    stamped = [seal for seal in seals if seal.get("timestamp_token")]
    if not stamped and seals and manifest.get("timestamp_authority") is False:
        report.not_proven("les sceaux ne sont pas horodatés (pas d'autorité d'horodatage)")
        return
    for seal in seals:
        authority.check(
            seal.get("timestamp_token"), str(seal.get("hash") or ""), f"sceau n° {seal['number']}"
        )


def package_end(manifest: dict[str, Any]) -> datetime.datetime | None:
    """The instant the package's period ends (its export, for a period running to the day)."""
    period = manifest.get("period") or {}
    return instant(period.get("end")) or instant(manifest.get("exported_at"))


def check_reach(
    seal: dict[str, Any],
    seals: list[dict[str, Any]],
    manifest: dict[str, Any],
    who: str,
    report: Report,
) -> None:
    """A seal made before the end of the package's period, after the package's last seal:
    the package was cut short."""
    numbers = [s["number"] for s in seals]
    if not numbers or seal["number"] <= max(numbers):
        return
    sealed_at, end = instant(seal.get("sealed_at")), package_end(manifest)
    if sealed_at is not None and end is not None and sealed_at < end:
        report.problem(
            f"l'export s'arrête au sceau n° {max(numbers)} alors que le sceau n° {seal['number']}"
            f" ({who}, scellé le {day_and_hour(sealed_at)}) existait avant la fin de sa période :"
            " des événements et des sceaux ont été retranchés de la fin"
        )
    else:
        report.note(f"le sceau n° {seal['number']} ({who}) est postérieur à la période de l'export")


def load_held_seals(
    paths: list[Path], authority: Authority, report: Report
) -> list[dict[str, Any]]:
    held = []
    for path in paths:
        try:
            seal = json.loads(path.read_text(encoding="utf-8"))
            int(seal["number"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            report.problem(f"sceau fourni {path.name} illisible : {exc}")
            continue
        label = f"le sceau n° {seal['number']} que vous détenez ({path.name})"
        if seal_hash(seal) != seal.get("hash"):
            report.problem(f"{label} : son contenu ne correspond pas à son empreinte")
            continue
        if seal.get("timestamp_token"):
            authority.check(seal["timestamp_token"], seal["hash"], label)
        held.append(seal)
    return held


def compare_held(
    held: list[dict[str, Any]],
    seals: list[dict[str, Any]],
    manifest: dict[str, Any],
    report: Report,
) -> None:
    by_number = {seal["number"]: seal for seal in seals}
    for seal in held:
        number = seal["number"]
        ours = by_number.get(number)
        if ours is not None:
            if ours.get("hash") != seal["hash"]:
                report.problem(
                    f"le sceau n° {number} de l'export diffère de celui que vous détenez : le"
                    " journal a été réécrit"
                )
            else:
                report.note(f"le sceau n° {number} de l'export est celui que vous détenez")
        elif by_number and number < min(by_number):
            if number == min(by_number) - 1 and manifest.get("previous_seal_hash") not in (
                None,
                seal["hash"],
            ):
                report.problem(f"l'export ne s'enchaîne pas au sceau n° {number} que vous détenez")
            else:
                report.note(f"le sceau n° {number} que vous détenez précède la période de l'export")
        elif by_number:
            check_reach(seal, seals, manifest, "que vous détenez", report)


# --- The journal export -------------------------------------------------------------------------


class Positions:
    """Which links of the chain came, in which order: names a gap, a link out of order and a
    link given twice apart."""

    def __init__(self) -> None:
        self.highest: int | None = None
        self.gaps: list[list[int]] = []
        self.late: list[tuple[int, int]] = []

    def see(self, position: int) -> None:
        if self.highest is not None and position <= self.highest:
            self.late.append((position, self.highest))
            return
        if self.highest is not None and position > self.highest + 1:
            self.gaps.append([self.highest + 1, position - 1])
        self.highest = position

    def report(self, report: Report) -> None:
        small = sum(last - first + 1 for first, last in self.gaps) <= 1_000_000
        missing = (
            {p for first, last in self.gaps for p in range(first, last + 1)} if small else set()
        )
        for position, after in self.late:
            if position in missing:
                missing.discard(position)
                report.problem(
                    f"maillon n° {position} hors d'ordre : il vient après le maillon n° {after}"
                    " (événements permutés)"
                )
            elif small:
                report.problem(f"maillon n° {position} présent deux fois (événement dupliqué)")
            else:
                report.problem(
                    f"maillon n° {position} hors d'ordre ou en double (après le n° {after})"
                )
        for first, last in self.gaps:
            absent = [p for p in range(first, last + 1) if p in missing] if small else [first, last]
            if absent:
                report.problem(
                    f"maillons n° {ranges(absent) if small else f'{first} à {last}'} de la chaîne"
                    " absents de l'export (événements supprimés ?)"
                )


def read_events(folder: Path, report: Report) -> Iterator[dict[str, Any]]:
    with (folder / "events.jsonl").open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            try:
                event = json.loads(line)
                event["seq"], event["position"] = int(event["seq"]), int(event["position"])
            except (ValueError, KeyError, TypeError):
                report.problem(f"ligne {line_number} de events.jsonl illisible")
                continue
            yield event


def check_events(
    folder: Path, seals: list[dict[str, Any]], report: Report
) -> tuple[dict[int, list[bytes]], int, int | None, int | None, list[int]]:
    """Recompute every event's hash and the chain; keep the leaves each seal covers."""
    bounds = sorted((seal["first_seq"], seal["last_seq"], seal["number"]) for seal in seals)
    leaves: dict[int, list[bytes]] = {seal["number"]: [] for seal in seals}
    positions, seen = Positions(), set()
    previous_link = None
    count = 0
    first_position = last_position = None
    uncovered: list[int] = []
    for event in read_events(folder, report):
        seq, position = event["seq"], event["position"]
        count += 1
        first_position = position if first_position is None else first_position
        last_position = position
        if seq in seen:
            report.problem(f"événement n° {seq} présent deux fois dans l'export")
        seen.add(seq)
        if event.get("withheld") is True:
            report.withheld += 1  # outside the exporter's perimeter: only its hash is here
        elif event_hash(event) != event.get("hash"):
            report.problem(
                f"événement n° {seq} ({event.get('action')}) : son contenu ne correspond plus"
                " à son empreinte (modifié)"
            )
        else:
            check_personal(event, report)
        positions.see(position)
        if (previous_link is not None and event.get("link_prev") != previous_link) or link_hash(
            event
        ) != event.get("link"):
            report.problem(f"événement n° {seq} : le chaînage à l'événement précédent est rompu")
        if previous_link is None and position == 1 and event.get("link_prev") != GENESIS:
            report.problem("le premier maillon ne part pas de l'origine du journal")
        previous_link = event.get("link")
        for first, last, number in bounds:
            if first <= position <= last:
                leaves[number].append(leaf(event.get("hash") or GENESIS))
                break
        else:
            uncovered.append(position)
    positions.report(report)
    return leaves, count, first_position, last_position, uncovered


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


def ranges(positions: list[int]) -> str:
    spans: list[list[int]] = []
    for position in positions:
        if spans and position == spans[-1][1] + 1:
            spans[-1][1] = position
        else:
            spans.append([position, position])
    return ", ".join(f"{a}" if a == b else f"{a} à {b}" for a, b in spans)


def check_manifest(
    manifest: dict[str, Any],
    seals: list[dict[str, Any]],
    count: int,
    span: tuple[int | None, int | None],
    report: Report,
) -> None:
    if count != manifest.get("events"):
        report.problem(
            f"le manifeste annonce {manifest.get('events')} événements, l'export en contient {count}"
        )
    if count and (manifest.get("first_seq"), manifest.get("last_seq")) != span:
        report.problem(
            f"le manifeste annonce les maillons n° {manifest.get('first_seq')} à"
            f" {manifest.get('last_seq')}, l'export contient les n° {span[0]} à {span[1]}"
        )
    if manifest.get("seals") is not None and manifest["seals"] != [s["number"] for s in seals]:
        report.problem("les sceaux de l'export ne sont pas ceux qu'annonce le manifeste")
    last = manifest.get("journal_last_seal")
    if last and seals:
        check_reach(last, seals, manifest, "dernier sceau du journal au moment de l'export", report)
        ours = next((s for s in seals if s["number"] == last.get("number")), None)
        if ours is not None and ours.get("hash") != last.get("hash"):
            report.problem(f"le sceau n° {ours['number']} n'est pas celui qu'annonce le manifeste")
    if manifest.get("exported_at"):
        report.note(
            f"export fait le {day_and_hour(instant(manifest['exported_at']))}"
            + (f", dernier sceau du journal à ce moment : n° {last['number']}" if last else "")
        )


def verify_journal(
    folder: Path, authority: Authority, held_paths: list[Path], report: Report
) -> None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        seals = json.loads((folder / "seals.json").read_text(encoding="utf-8"))
        seals.sort(key=lambda seal: seal["number"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.problem(f"export incomplet ou illisible : {exc}")
        return
    check_files(folder, manifest, report)
    check_stamp(folder, manifest, authority, report)
    leaves, count, first_position, last_position, uncovered = check_events(folder, seals, report)
    check_manifest(manifest, seals, count, (first_position, last_position), report)
    first_previous = manifest.get("previous_seal_hash") or GENESIS
    if seals and seals[0]["number"] == 1 and first_previous != GENESIS:
        report.problem("le premier sceau du journal ne part pas de l'origine")
    check_seals(seals, leaves, report, first_previous)
    if uncovered:
        report.problem(
            f"maillons n° {ranges(uncovered)} : aucun sceau ne les couvre (l'export est scellé"
            " au moment où il est fait : ajoutés après ?)"
        )
    check_seal_tokens(seals, manifest, authority, report)
    compare_held(load_held_seals(held_paths, authority, report), seals, manifest, report)
    if report.withheld:
        report.note(
            f"{report.withheld} événements concernent des courriers hors du périmètre de la"
            " personne qui a exporté : leur contenu n'est pas dans l'export, leur empreinte,"
            " leur place dans la chaîne et dans les sceaux sont vérifiées"
        )
    if report.erased:
        report.note(
            f"{report.erased} événements ont vu leurs données personnelles effacées (RGPD) :"
            " leur empreinte salée reste dans leur contenu, qui se vérifie"
        )
    report.note(
        f"{count} événements (maillons n° {first_position} à {last_position}),"
        f" {len(seals)} sceaux vérifiés"
    )


# --- One mail's evidence ------------------------------------------------------------------------


def after_held(event: dict[str, Any], held: list[dict[str, Any]]) -> bool:
    """Whether an event may still be unsealed: it came after the latest seal the archivist holds."""
    if not held:
        return False
    latest = max(held, key=lambda seal: seal["number"])
    position = event.get("position")
    if position is not None:
        return int(position) > int(latest["last_seq"])
    stamped, sealed = instant(event.get("timestamp")), instant(latest.get("sealed_at"))
    return stamped is not None and sealed is not None and stamped > sealed


def verify_evidence(
    path: Path, folder: Path, authority: Authority, held_paths: list[Path], report: Report
) -> None:
    """One mail's evidence: the package's manifest and its timestamp, each event's hash and its
    proof up to its seal's Merkle root, each seal's hash and token."""
    manifest: dict[str, Any] = {}
    if (folder / "manifest.json").is_file():
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except ValueError as exc:
            report.problem(f"manifeste illisible : {exc}")
        check_files(folder, manifest, report)
        if path.name not in manifest.get("files", {}):
            report.problem(f"{path.name} n'est pas listé dans le manifeste")
        check_stamp(folder, manifest, authority, report)
    else:
        report.not_proven(
            "preuve.json sans son manifeste horodaté (manifest.json, manifest.tsr) : rien ne"
            " garantit qu'aucun événement n'en a été retiré"
        )
    try:
        evidence = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        report.problem(f"preuve illisible : {exc}")
        return
    held = load_held_seals(held_paths, authority, report)
    seals = {seal["number"]: seal for seal in evidence.get("seals", [])}
    last = evidence.get("journal_last_seal") or manifest.get("journal_last_seal")
    seen: set[Any] = set()
    unsealed = 0
    for item in evidence.get("events", []):
        event = item.get("event", {})
        seq, position = event.get("seq"), event.get("position")
        if seq in seen:
            report.problem(f"événement n° {seq} présent deux fois dans la preuve")
        seen.add(seq)
        if event_hash(event) != event.get("hash"):
            report.problem(f"événement n° {seq} : son contenu ne correspond plus à son empreinte")
        else:
            check_personal(event, report)
        if item.get("seal") is None:
            unsealed += 1
            if last and position is not None and int(position) <= int(last["last_seq"]):
                report.problem(
                    f"événement n° {seq} déclaré non scellé alors que le sceau n° {last['number']}"
                    f" couvrait déjà les maillons jusqu'au n° {last['last_seq']}"
                )
            elif not after_held(event, held):
                report.problem(
                    f"événement n° {seq} : aucun sceau ne le couvre (un événement non scellé"
                    " n'est accepté qu'après le dernier sceau donné avec --seal)"
                )
            continue
        seal = seals.get(item["seal"])
        if seal is None:
            report.problem(f"événement n° {seq} : le sceau n° {item['seal']} manque à la preuve")
            continue
        if position is None or not int(seal["first_seq"]) <= int(position) <= int(seal["last_seq"]):
            report.problem(
                f"événement n° {seq} : son maillon n° {position} n'est pas parmi ceux du sceau"
                f" n° {seal['number']}"
            )
        if root_from_proof(event.get("hash") or GENESIS, item.get("proof", [])) != seal.get(
            "merkle_root"
        ):
            report.problem(
                f"événement n° {seq} : sa preuve ne mène pas à la racine du sceau n° {seal['number']}"
            )
    for seal in seals.values():
        if seal_hash(seal) != seal.get("hash"):
            report.problem(f"sceau n° {seal['number']} : son contenu a été modifié")
    check_seal_tokens(list(seals.values()), {**manifest, **evidence}, authority, report)
    compare_held(held, sorted(seals.values(), key=lambda s: s["number"]), {}, report)
    if unsealed and not report.problems:
        report.note(
            f"{unsealed} événement(s) postérieur(s) au dernier sceau fourni : aucun sceau ne les couvre encore"
        )
    mail = evidence.get("mail", {})
    report.note(
        f"courrier {mail.get('chrono_number')} : {len(evidence.get('events', []))} événements,"
        f" {len(seals)} sceaux vérifiés"
    )


# --- Command line -------------------------------------------------------------------------------


def locate(target: Path, scratch: Path) -> tuple[Path, Path | None]:
    """The package's folder, and the evidence file when it is one mail's evidence."""
    if target.is_file() and zipfile.is_zipfile(target):
        with zipfile.ZipFile(target) as bundle:
            for name in bundle.namelist():
                if name.startswith("/") or ".." in Path(name).parts:
                    raise ValueError(f"nom de fichier refusé dans l'archive : {name}")
            bundle.extractall(scratch)
        inner = [
            p
            for p in scratch.iterdir()
            if (p / "manifest.json").is_file() or (p / "preuve.json").is_file()
        ]
        target = inner[0] if inner else scratch
    if target.is_file():
        return target.parent, target
    if (target / "preuve.json").is_file():
        return target, target / "preuve.json"
    return target, None


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(
        prog="verify.py",
        description="Vérifie un export du journal probant de Bannette ou la preuve d'un courrier.",
    )
    parser.add_argument(
        "paquet", nargs="?", type=Path, default=here, help="archive .zip, dossier ou preuve.json"
    )
    parser.add_argument(
        "--trust", type=Path, help="certificats de l'autorité d'horodatage, tenus d'elle (PEM)"
    )
    parser.add_argument(
        "--seal",
        type=Path,
        action="append",
        default=[],
        help="copie d'un sceau que vous détenez (JSON)",
    )
    arguments = parser.parse_args(argv[1:])
    for given in [arguments.paquet, arguments.trust, *arguments.seal]:
        if given is not None and not given.exists():
            parser.error(f"introuvable : {given}")
    report = Report()
    with tempfile.TemporaryDirectory() as scratch:
        try:
            folder, evidence = locate(arguments.paquet.resolve(), Path(scratch))
        except (ValueError, zipfile.BadZipFile) as exc:
            parser.error(str(exc))
        authority = Authority(
            arguments.trust.resolve() if arguments.trust else None,
            folder / "autorite" / "certificats.pem",
            report,
        )
        try:
            if evidence is not None:
                verify_evidence(evidence, folder, authority, arguments.seal, report)
            else:
                verify_journal(folder, authority, arguments.seal, report)
        finally:
            authority.close()
    if arguments.trust is None:
        report.not_proven(
            "l'autorité d'horodatage n'a pas été vérifiée : donnez ses certificats, tels que vous"
            " les tenez d'elle, avec --trust AUTORITE.pem (ceux de l'export n'en prouvent rien)"
        )
    for note in report.notes:
        print(f"Note : {note}")
    for problem in report.problems:
        print(f"ÉCHEC : {problem}")
    if report.problems:
        print(f"Résultat : {len(report.problems)} problème(s), cela ne tient pas.")
        return FAILS
    if report.unproven:
        for reason in report.unproven:
            print(f"Non prouvé : {reason}")
        print("Résultat : non prouvé. Aucune altération trouvée, mais la preuve manque.")
        return UNPROVEN
    print("Résultat : tout tient.")
    return HOLDS


if __name__ == "__main__":
    sys.exit(main(sys.argv))
