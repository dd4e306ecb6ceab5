"""An auditor's forgeries against the journal export and a mail's evidence, each run through the
published verifier as the archivist runs it: with the authority's CA she holds (--trust), and
without it. The forger has her own CA and her own RFC 3161 authority (OpenSSL's, on loopback),
rewrites what she likes, recomputes every hash, link, Merkle root and seal, re-timestamps them
and puts her own certificates in the package. None of it may end in "tout tient"."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from pyhanko.sign.timestamps import HTTPTimeStamper

from archives.journal_package import VERIFIER, PackageUnprovable, write_package
from archives.models import ExportStatus
from archives.services import build_export, export_journal, request_export
from archives.tests.conftest import unpack, verify
from archives.tests.test_journal_export import load_verifier
from courrier.models import JournalSeal, Mail
from courrier.services.journal import record_event
from courrier.services.seals import seal_dir, write_copies
from courrier.tests.factories import make_mail
from visa.tests.pki import TimestampAuthority, make_pki

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def forger(tmp_path) -> Iterator[Forger]:
    """Her own CA and timestamp authority, answering on loopback."""
    pki = make_pki(signer_name="Faussaire")
    with TimestampAuthority(pki) as tsa:
        yield Forger(pki, tsa.url)


class Forger:
    def __init__(self, pki: Any, url: str) -> None:
        self.pki, self.url = pki, url

    def stamp(self, digest: str) -> bytes:
        token = asyncio.run(
            HTTPTimeStamper(self.url).async_timestamp(bytes.fromhex(digest), "sha256")
        )
        return bytes(token.dump())

    def take_over(self, folder: Path, *, empty_roots: bool = False) -> None:
        """Her certificates in the package, as if they were the authority's."""
        own = b"" if empty_roots else self.pki.ca_pem
        (folder / "autorite" / "racines.pem").write_bytes(own)
        (folder / "autorite" / "certificats.pem").write_bytes(self.pki.ca_pem)

    def rechain(
        self, folder: Path, *, tokens: Callable[[dict], bytes | None] | None = None
    ) -> None:
        """Every hash, link, seal and the manifest recomputed after her changes to the events;
        seals and manifest re-timestamped by her authority (or as `tokens` says)."""
        verifier = load_verifier(folder)
        events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
        manifest = json.loads((folder / "manifest.json").read_text())
        previous_link = None
        for position, event in enumerate(events, start=events[0]["position"] if events else 1):
            event["position"] = position
            event["hash"] = verifier.event_hash(event)
            if previous_link is not None:
                event["link_prev"] = previous_link
            event["link"] = verifier.link_hash(event)
            previous_link = event["link"]
        seals = json.loads((folder / "seals.json").read_text())
        previous_seal = manifest["previous_seal_hash"]
        for seal in seals:
            covered = [e for e in events if seal["first_seq"] <= e["position"] <= seal["last_seq"]]
            if seal is seals[-1]:
                covered = [e for e in events if e["position"] >= seal["first_seq"]]
                seal["last_seq"] = covered[-1]["position"] if covered else seal["first_seq"]
            seal["events"] = len(covered)
            seal["merkle_root"] = verifier.merkle_root([verifier.leaf(e["hash"]) for e in covered])
            seal["previous"] = previous_seal
            seal["hash"] = verifier.seal_hash(seal)
            token = tokens(seal) if tokens else self.stamp(seal["hash"])
            seal["timestamp_token"] = base64.b64encode(token).decode() if token else ""
            previous_seal = seal["hash"]
        (folder / "events.jsonl").write_text(
            "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in events)
        )
        (folder / "seals.json").write_text(json.dumps(seals, indent=1))
        manifest["events"] = len(events)
        manifest["last_seq"] = events[-1]["position"]
        manifest["seals"] = [seal["number"] for seal in seals]
        manifest["journal_last_seal"] = {
            key: seals[-1][key] for key in ("number", "hash", "first_seq", "last_seq", "sealed_at")
        }
        self.restamp(folder, manifest)

    def restamp(
        self, folder: Path, manifest: dict[str, Any] | None = None, *, stamp: bool = True
    ) -> None:
        """The manifest's digests brought up to date, and re-timestamped by her authority."""
        manifest = manifest or json.loads((folder / "manifest.json").read_text())
        for name in manifest["files"]:
            manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        data = json.dumps(manifest, indent=1).encode()
        (folder / "manifest.json").write_bytes(data)
        if stamp:
            (folder / "manifest.tsr").write_bytes(self.stamp(hashlib.sha256(data).hexdigest()))


def exported(tmp_path: Path, archivist, name: str = "journal") -> Path:
    archive = tmp_path / f"{name}.zip"
    export_journal(archive, actor=archivist)
    write_copies()  # the seals' copies outside the database (on commit, outside a test)
    return unpack(archive, tmp_path / name)


def outcome(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1]


def never_holds(folder: Path, trust: Path, *args: str) -> tuple[str, str]:
    """With her CA: a failure; without: at best "not proven". Never "tout tient"."""
    with_trust = verify(folder, "--trust", str(trust), *args)
    without = verify(folder, *args)
    assert with_trust.returncode == 1, with_trust.stdout
    assert without.returncode in (1, 3), without.stdout
    assert "tout tient" not in with_trust.stdout + without.stdout
    return with_trust.stdout, without.stdout


def rewrite_an_event(folder: Path) -> int:
    lines = (folder / "events.jsonl").read_text().splitlines()
    event = json.loads(lines[2])
    event["actor_name"] = "quelqu'un d'autre"
    lines[2] = json.dumps(event, ensure_ascii=False)
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    return int(event["seq"])


# --- 1. Roots inside the package -------------------------------------------------------------


@pytest.mark.parametrize("empty_roots", [False, True])
def test_a_journal_rewritten_and_restamped_by_a_forgers_authority_fails(
    journal, trust, forger, archivist, tmp_path, empty_roots
):
    folder = exported(tmp_path, archivist)
    rewrite_an_event(folder)
    forger.take_over(folder, empty_roots=empty_roots)
    forger.rechain(folder)
    with_trust, without = never_holds(folder, trust)
    assert (
        "sceau n° 1 : son jeton d'horodatage ne se vérifie pas avec les certificats de --trust"
        in (with_trust)
    )
    assert "le manifeste de l'export : son jeton d'horodatage ne se vérifie pas" in with_trust
    assert "Résultat : non prouvé" in without  # consistent, but only with her own certificates
    assert "--trust AUTORITE.pem" in without


def test_without_trust_an_untouched_package_is_not_proven(journal, trust, archivist, tmp_path):
    folder = exported(tmp_path, archivist)
    result = verify(folder)
    assert result.returncode == 3
    assert (
        outcome(result)
        == "Résultat : non prouvé. Aucune altération trouvée, mais la preuve manque."
    )
    assert "l'autorité d'horodatage n'a pas été vérifiée" in result.stdout


# --- Missing tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["affected", "all"])
def test_a_rewrite_with_tokens_removed_fails_even_without_trust(
    journal, trust, forger, archivist, tmp_path, which
):
    folder = exported(tmp_path, archivist)
    rewrite_an_event(folder)
    forger.rechain(
        folder,
        tokens=lambda seal: (
            forger.stamp(seal["hash"]) if which == "affected" and seal["number"] > 1 else None
        ),
    )
    with_trust, _without = never_holds(folder, trust)
    assert "sceau n° 1 : pas de jeton d'horodatage" in with_trust
    assert verify(folder).returncode == 1  # a seal without a token is a failure, not a note


def test_an_untimestamped_seal_among_timestamped_ones_fails(
    journal, trust, forger, archivist, tmp_path
):
    folder = exported(tmp_path, archivist)
    seals = json.loads((folder / "seals.json").read_text())
    seals[1]["timestamp_token"] = ""
    (folder / "seals.json").write_text(json.dumps(seals))
    forger.restamp(folder, stamp=False)  # the manifest's digest updated, its real token kept
    with_trust, _without = never_holds(folder, trust)
    assert "sceau n° 2 : pas de jeton d'horodatage" in with_trust
    assert "le manifeste de l'export : son jeton d'horodatage ne se vérifie pas" in with_trust


# --- Deletions at the end, duplicates, order --------------------------------------------------


def cut_last_seal(folder: Path) -> None:
    seals = json.loads((folder / "seals.json").read_text())
    last = seals.pop()
    (folder / "seals.json").write_text(json.dumps(seals, indent=1))
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    kept = [e for e in events if e["position"] < last["first_seq"]]
    (folder / "events.jsonl").write_text(
        "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in kept)
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["events"], manifest["last_seq"] = len(kept), kept[-1]["position"]
    manifest["seals"] = [s["number"] for s in seals]
    manifest["journal_last_seal"] = {
        key: seals[-1][key] for key in ("number", "hash", "first_seq", "last_seq", "sealed_at")
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_the_last_seal_and_its_events_cut_off_fail(journal, trust, forger, archivist, tmp_path):
    folder = exported(tmp_path, archivist)
    cut_last_seal(folder)
    forger.restamp(folder, json.loads((folder / "manifest.json").read_text()), stamp=False)
    with_trust, _ = never_holds(folder, trust)
    assert "le manifeste de l'export : son jeton d'horodatage ne se vérifie pas" in with_trust
    forger.restamp(folder)  # and re-timestamped by her authority
    with_trust, _ = never_holds(folder, trust)
    assert (
        "le manifeste de l'export : son jeton d'horodatage ne se vérifie pas avec les certificats de --trust"
        in with_trust
    )


def test_a_cut_package_does_not_reach_the_seal_the_archivist_holds(
    journal, trust, forger, archivist, tmp_path
):
    folder = exported(tmp_path, archivist)
    held = sorted(seal_dir().glob("seal-*.json"))[-1]  # her copy of the last seal
    assert json.loads(held.read_text())["number"] == 3
    cut_last_seal(folder)
    forger.restamp(folder)
    with_trust, without = never_holds(folder, trust, "--seal", str(held))
    expected = "l'export s'arrête au sceau n° 2 alors que le sceau n° 3 (que vous détenez"
    assert expected in with_trust and expected in without


def test_a_held_seal_that_disagrees_fails_and_one_that_agrees_is_named(
    journal, trust, forger, archivist, tmp_path
):
    folder = exported(tmp_path, archivist)
    held = seal_dir() / "seal-00000002.json"
    agreeing = verify(folder, "--trust", str(trust), "--seal", str(held))
    assert agreeing.returncode == 0, agreeing.stdout
    assert "le sceau n° 2 de l'export est celui que vous détenez" in agreeing.stdout
    rewrite_an_event(folder)
    forger.take_over(folder)
    forger.rechain(folder)
    _with_trust, without = never_holds(folder, trust, "--seal", str(held))
    assert "le sceau n° 2 de l'export diffère de celui que vous détenez" in without


def test_a_duplicate_of_the_last_event_appended_fails(journal, trust, forger, archivist, tmp_path):
    folder = exported(tmp_path, archivist)
    verifier = load_verifier(folder)
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    copy = {**events[-1], "position": events[-1]["position"] + 1, "link_prev": events[-1]["link"]}
    copy["link"] = verifier.link_hash(copy)
    with (folder / "events.jsonl").open("a") as handle:
        handle.write(json.dumps(copy, ensure_ascii=False, sort_keys=True) + "\n")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["events"] += 1
    manifest["last_seq"] += 1
    forger.restamp(folder, manifest)
    _with_trust, without = never_holds(folder, trust)
    assert f"événement n° {copy['seq']} présent deux fois dans l'export" in without
    assert f"maillons n° {copy['position']} : aucun sceau ne les couvre" in without


def test_two_events_swapped_are_named_out_of_order_not_missing(journal, trust, archivist, tmp_path):
    folder = exported(tmp_path, archivist)
    lines = (folder / "events.jsonl").read_text().splitlines()
    lines[3], lines[4] = lines[4], lines[3]
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    result = verify(folder, "--trust", str(trust))
    assert result.returncode == 1
    assert "maillon n° 4 hors d'ordre : il vient après le maillon n° 5" in result.stdout
    assert "absents" not in result.stdout and "deux fois" not in result.stdout


# --- The verifier itself ----------------------------------------------------------------------


def test_a_doctored_verifier_in_the_package_does_not_fool_the_published_one(
    journal, trust, forger, archivist, tmp_path
):
    folder = exported(tmp_path, archivist)
    rewrite_an_event(folder)
    forger.rechain(folder, tokens=lambda seal: None)
    doctored = (
        (folder / "verify.py")
        .read_text()
        .replace(
            'self.report.problem(f"{label} : pas de jeton d\'horodatage")\n            return False',
            "return True",
        )
        .replace("if report.unproven:", "if False:")
    )
    assert doctored != (folder / "verify.py").read_text()
    (folder / "verify.py").write_text(doctored)
    forger.restamp(folder)
    own = subprocess.run(
        ["python3", "-I", "-S", "verify.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "tout tient" in own.stdout  # the package's copy lies...
    never_holds(folder, trust)  # ...the published one does not


def test_the_readme_gives_the_published_verifiers_sha256(client):
    digest = hashlib.sha256(VERIFIER.read_bytes()).hexdigest()
    assert re.search(rf"`{digest}`", README.read_text()), "README: update the verifier's SHA-256"
    download = client.get(reverse("archives_verifier"))  # no sign-in: it is public code
    assert download.status_code == 200 and download.content == VERIFIER.read_bytes()
    assert download["X-Content-SHA256"] == digest


# --- Instances without an authority, or with one away ----------------------------------------


def test_an_instance_without_authority_exports_packages_that_are_not_proven(
    settings, clerk, archivist, tmp_path
):
    settings.BANNETTE_TSA_URL = ""
    make_mail(actor=clerk, subject="Sans horodatage")
    folder = exported(tmp_path, archivist)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["timestamp_authority"] is False and not (folder / "manifest.tsr").exists()
    assert (
        "aucune autorité d'horodatage n'était configurée" in (folder / "LISEZMOI.txt").read_text()
    )
    result = verify(folder)
    assert result.returncode == 3, result.stdout
    assert "les sceaux ne sont pas horodatés" in result.stdout
    assert "tout tient" not in result.stdout


def test_an_authority_that_does_not_answer_fails_the_export_with_a_reason(
    settings, clerk, archivist, tmp_path, django_capture_on_commit_callbacks
):
    with TimestampAuthority(make_pki()) as tsa:
        settings.BANNETTE_TSA_URL = tsa.url
    make_mail(actor=clerk, subject="Autorité absente")
    with pytest.raises(PackageUnprovable):
        write_package(tmp_path / "nothing.zip")
    with django_capture_on_commit_callbacks(execute=True):
        export = request_export(actor=archivist, since=None, until=None)
    export = build_export(export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert "L'autorité d'horodatage n'a pas répondu" in export.error


# --- One mail's evidence ----------------------------------------------------------------------


def evidence_of(client, archivist, mail: Mail, tmp_path: Path) -> tuple[Path, Path]:
    client.force_login(archivist)
    response = client.get(reverse("archives_mail_evidence", args=[mail.pk]))
    assert response.status_code == 200
    write_copies()
    archive = tmp_path / "preuve.zip"
    archive.write_bytes(response.content)
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        bundle.extractall(tmp_path / "preuve")
    (folder,) = list((tmp_path / "preuve").iterdir())
    return archive, folder


def edit_proof(folder: Path, change: Callable[[dict], None]) -> None:
    evidence = json.loads((folder / "preuve.json").read_text())
    change(evidence)
    (folder / "preuve.json").write_text(json.dumps(evidence, ensure_ascii=False))


def test_an_untouched_evidence_holds_and_its_attestation_is_covered(
    client, journal, trust, archivist, tmp_path
):
    mail = Mail.objects.order_by("pk")[0]
    archive, folder = evidence_of(client, archivist, mail, tmp_path)
    result = verify(folder, str(archive), "--trust", str(trust))
    assert result.returncode == 0, result.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "attestation-integrite.pdf" in manifest["files"]
    digest = hashlib.sha256((folder / "preuve.json").read_bytes()).hexdigest()
    text = subprocess.run(
        ["pdftotext", str(folder / "attestation-integrite.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert digest in "".join(text.split())
    (folder / "attestation-integrite.pdf").write_bytes(b"%PDF-1.4 autre attestation")
    changed = verify(folder, "--trust", str(trust))
    assert changed.returncode == 1
    assert "fichier modifié depuis l'export : attestation-integrite.pdf" in changed.stdout


def test_a_changed_event_declared_not_sealed_fails(
    client, journal, trust, forger, archivist, tmp_path
):
    mail = Mail.objects.order_by("pk")[0]
    _archive, folder = evidence_of(client, archivist, mail, tmp_path)
    verifier = load_verifier(folder)

    def unseal(evidence: dict) -> None:
        item = evidence["events"][0]
        item["event"]["actor_name"] = "quelqu'un d'autre"
        item["event"]["hash"] = verifier.event_hash(item["event"])
        item["seal"], item["proof"] = None, []

    edit_proof(folder, unseal)
    forger.restamp(folder)
    held = seal_dir() / "seal-00000002.json"
    _with_trust, without = never_holds(folder, trust, "--seal", str(held))
    assert "déclaré non scellé alors que le sceau n° 3" in without


@pytest.mark.parametrize("how", ["deleted", "appended"])
def test_events_deleted_or_fabricated_fail(
    client, journal, trust, forger, archivist, tmp_path, how
):
    mail = Mail.objects.order_by("pk")[0]
    _archive, folder = evidence_of(client, archivist, mail, tmp_path)
    verifier = load_verifier(folder)

    def change(evidence: dict) -> None:
        if how == "deleted":
            del evidence["events"][1:3]
        else:
            made = {
                **evidence["events"][-1]["event"],
                "seq": 10_000,
                "action": "mail.closed",
                "position": None,
            }
            made["hash"] = verifier.event_hash(made)
            evidence["events"].append({"event": made, "seal": None, "proof": []})

    edit_proof(folder, change)
    forger.restamp(folder, stamp=False)  # digest updated, the real token kept
    with_trust, without = never_holds(folder, trust)
    assert "le manifeste de l'export : son jeton d'horodatage ne se vérifie pas" in with_trust
    if how == "appended":
        assert "événement n° 10000 : aucun sceau ne le couvre" in without


def test_a_seal_rebuilt_over_the_mails_events_by_a_forger_fails(
    client, journal, trust, forger, archivist, tmp_path
):
    mail = Mail.objects.order_by("pk")[0]
    _archive, folder = evidence_of(client, archivist, mail, tmp_path)
    verifier = load_verifier(folder)

    def rebuild(evidence: dict) -> None:
        for item in evidence["events"]:
            item["event"]["actor_name"] = "quelqu'un d'autre"
            item["event"]["hash"] = verifier.event_hash(item["event"])
        hashes = [item["event"]["hash"] for item in evidence["events"]]
        seal = evidence["seals"][0]
        seal["merkle_root"] = verifier.merkle_root([verifier.leaf(h) for h in hashes])
        seal["events"] = len(hashes)
        seal["hash"] = verifier.seal_hash(seal)
        seal["timestamp_token"] = base64.b64encode(forger.stamp(seal["hash"])).decode()
        evidence["seals"] = [seal]
        for index, item in enumerate(evidence["events"]):
            item["seal"] = seal["number"]
            item["proof"] = [list(step) for step in _proof(hashes, index)]

    edit_proof(folder, rebuild)
    forger.take_over(folder)
    forger.restamp(folder)
    with_trust, _ = never_holds(folder, trust)
    assert "son jeton d'horodatage ne se vérifie pas avec les certificats de --trust" in with_trust


def _proof(hashes: list[str], index: int) -> list[tuple[str, str]]:
    from archives.evidence import inclusion_proof

    return inclusion_proof(hashes, index)


def test_a_token_removed_from_the_evidence_fails(
    client, journal, trust, forger, archivist, tmp_path
):
    mail = Mail.objects.order_by("pk")[0]
    _archive, folder = evidence_of(client, archivist, mail, tmp_path)
    edit_proof(folder, lambda evidence: evidence["seals"][0].update(timestamp_token=""))
    forger.restamp(folder)
    _with_trust, without = never_holds(folder, trust)
    assert "pas de jeton d'horodatage" in without


def test_an_event_after_the_held_seal_may_be_unsealed_and_no_other(
    settings, journal, trust, archivist, clerk, tmp_path
):
    """preuve.json alone, made before the newest events were sealed: they are accepted as
    "not sealed yet" only after the latest seal she gives; without a manifest, not proven."""
    from archives.evidence import evidence_json, gather

    mail = Mail.objects.order_by("pk")[0]
    write_copies()
    record_event(action="mail.read", actor=clerk, target=mail)  # not sealed
    evidence = evidence_json(gather(mail), JournalSeal.objects.order_by("-number").first())
    folder = tmp_path / "seule"
    folder.mkdir()
    (folder / "preuve.json").write_text(json.dumps(evidence, ensure_ascii=False))
    held = sorted(seal_dir().glob("seal-*.json"))[-1]
    accepted = verify(folder, "preuve.json", "--trust", str(trust), "--seal", str(held))
    assert accepted.returncode == 3, accepted.stdout
    assert "postérieur(s) au dernier sceau fourni" in accepted.stdout
    assert "sans son manifeste horodaté" in accepted.stdout
    refused = verify(folder, "preuve.json", "--trust", str(trust))
    assert refused.returncode == 1
    assert "aucun sceau ne le couvre" in refused.stdout
    shutil.rmtree(folder)
