"""The journal export package, checked by its standalone verifier run as an archivist would:
`python3 verify.py` in a separate process, without site packages (no Django, no Bannette).
The timestamp authority is the tests' RFC 3161 server on a loopback port (visa.tests.pki)."""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import io
import itertools
import json
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from django.core.management import call_command
from django.urls import reverse

from archives.journal_package import VERIFIER, write_package
from archives.models import ExportStatus, JournalExport
from archives.services import build_export, export_journal
from archives.tests.conftest import timestamp_authority, unpack, verify
from courrier.models import JournalEvent, JournalLink, JournalSeal
from courrier.selectors import can_see_mail
from courrier.services.mail import close_mail
from courrier.tests.factories import make_mail
from tests.test_leaks_before_qualification import qualify_confidential

pytestmark = pytest.mark.django_db


def exported(tmp_path: Path, archivist) -> Path:
    archive = tmp_path / "journal.zip"
    export_journal(archive, actor=archivist)
    return unpack(archive, tmp_path / "unzipped")


def test_an_untouched_package_verifies_with_python_and_openssl_alone(
    journal, trust, archivist, tmp_path
):
    archive = tmp_path / "journal.zip"
    summary = export_journal(archive, actor=archivist)
    folder = unpack(archive, tmp_path / "unzipped")
    assert sorted(p.name for p in folder.iterdir()) == [
        "LISEZMOI.txt",
        "autorite",
        "events.jsonl",
        "manifest.json",
        "manifest.tsr",
        "seals.json",
        "verify.py",
    ]
    result = verify(folder, "--trust", str(trust))
    assert result.returncode == 0, result.stdout
    assert "Résultat : tout tient." in result.stdout
    assert "le manifeste est horodaté" in result.stdout
    assert JournalSeal.objects.count() == 3  # the last mail's events were sealed for the export
    on_zip = verify(folder, str(archive), "--trust", str(trust))
    assert on_zip.returncode == 0, on_zip.stdout
    assert (folder / "verify.py").read_bytes() == VERIFIER.read_bytes()
    assert summary.events == JournalEvent.objects.count() - 1  # all but the export's own event
    exported_event = JournalEvent.objects.get(action="journal.exported")
    assert exported_event.actor == archivist
    assert exported_event.details["events"] == summary.events
    assert "python3 verify.py" in (folder / "LISEZMOI.txt").read_text()


def load_verifier(folder: Path) -> ModuleType:
    """The package's own verifier, as a library here (a forger would use it too)."""
    spec = importlib.util.spec_from_file_location("exported_verify", folder / "verify.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rewrite_events(folder: Path, change) -> None:
    path = folder / "events.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines()]
    events = change(events)
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events))


def test_an_edited_event_is_named(journal, archivist, tmp_path):
    folder = exported(tmp_path, archivist)

    def edit(events):
        events[2]["details"] = {**events[2]["details"], "subject": "Autre objet"}
        return events

    rewrite_events(folder, edit)
    edited = json.loads((folder / "events.jsonl").read_text().splitlines()[2])["seq"]
    result = verify(folder)
    assert result.returncode == 1
    assert f"événement n° {edited} " in result.stdout and "modifié" in result.stdout
    assert "fichier modifié depuis l'export : events.jsonl" in result.stdout


def _manifest_after_removal(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["events.jsonl"] = hashlib.sha256(
        (folder / "events.jsonl").read_bytes()
    ).hexdigest()
    manifest["events"] -= 1
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_a_removed_event_is_named(journal, archivist, tmp_path):
    folder = exported(tmp_path, archivist)
    rewrite_events(folder, lambda events: events[:1] + events[2:])
    _manifest_after_removal(folder)
    result = verify(folder)
    assert result.returncode == 1
    assert "maillons n° 2 de la chaîne absents de l'export" in result.stdout
    assert "le chaînage à l'événement précédent est rompu" in result.stdout


def test_an_event_removed_even_with_the_chain_recomputed_is_named(journal, archivist, tmp_path):
    folder = exported(tmp_path, archivist)
    verifier = load_verifier(folder)

    def remove_and_rechain(events):
        kept = events[:1] + events[2:]
        for position, (before, event) in enumerate(itertools.pairwise(kept), start=2):
            event["position"] = position  # a careful forger renumbers and relinks
            event["link_prev"] = before["link"]
            event["link"] = verifier.link_hash(event)
        return kept

    rewrite_events(folder, remove_and_rechain)
    _manifest_after_removal(folder)
    result = verify(folder)
    assert result.returncode == 1
    assert "absents" not in result.stdout and "chaînage à l'événement" not in result.stdout
    assert "sceau n° 1 : les événements des maillons n° 1 à" in result.stdout
    assert "ne correspondent plus à sa racine de Merkle" in result.stdout


def _seals(folder: Path) -> list[dict]:
    return json.loads((folder / "seals.json").read_text())


def _save_seals(folder: Path, seals: list[dict]) -> None:
    (folder / "seals.json").write_text(json.dumps(seals))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["seals.json"] = hashlib.sha256(
        (folder / "seals.json").read_bytes()
    ).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_a_replaced_seal_is_named_by_its_timestamp_and_the_chain(journal, archivist, tmp_path):
    folder = exported(tmp_path, archivist)
    verifier = load_verifier(folder)
    seals = _seals(folder)
    seals[0]["sealed_at"] = "2020-01-01T00:00:00+00:00"  # backdated, hash recomputed
    seals[0]["hash"] = verifier.seal_hash(seals[0])
    _save_seals(folder, seals)
    result = verify(folder)
    assert result.returncode == 1
    assert "sceau n° 1 : son jeton d'horodatage ne se vérifie pas" in result.stdout
    assert "sceau n° 2 : le chaînage au sceau précédent est rompu" in result.stdout
    assert "fichier modifié depuis l'export : seals.json" not in result.stdout  # digest updated


def test_a_forged_token_is_named(journal, archivist, tmp_path):
    folder = exported(tmp_path, archivist)
    seals = _seals(folder)
    seals[0]["timestamp_token"] = seals[1]["timestamp_token"]  # a real token, for another seal
    _save_seals(folder, seals)
    result = verify(folder)
    assert result.returncode == 1
    assert "sceau n° 1 : son jeton d'horodatage ne se vérifie pas" in result.stdout
    assert "sceau n° 2" not in result.stdout


def test_a_period_widens_to_whole_seals(journal, archivist, tmp_path):
    archive = tmp_path / "today.zip"
    today = datetime.date.today()
    summary = export_journal(archive, actor=archivist, since=today, until=today)
    first_seal = JournalSeal.objects.get(number=1)
    assert summary.first_seq == first_seal.first_seq and summary.seals == 3  # with the export's
    archive = tmp_path / "old.zip"
    assert export_journal(archive, actor=archivist, until=datetime.date(2000, 1, 1)).events == 0


def test_the_command_writes_a_package_with_a_progress_bar(journal, tmp_path, capsys):
    archive = tmp_path / "cli.zip"
    call_command("export_journal", "--output", str(archive))
    assert "seals" in capsys.readouterr().out
    assert verify(unpack(archive, tmp_path / "cli"), str(archive)).returncode == 3


def test_the_screen_builds_the_package_and_offers_it(
    client, journal, archivist, agent, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    assert client.get(reverse("archives_exports")).status_code == 403
    assert client.get(reverse("archives_journal")).status_code == 403
    client.force_login(archivist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("archives_exports"), {"since": "", "until": ""})
    assert response.status_code == 302
    export = JournalExport.objects.get()
    assert export.status == ExportStatus.READY and export.events > 0
    page = client.get(reverse("archives_exports")).content.decode()
    assert reverse("archives_export_download", args=[export.pk]) in page
    download = client.get(reverse("archives_export_download", args=[export.pk]))
    package = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "journal/verify.py" in package.namelist()
    assert build_export(export.pk).status == ExportStatus.READY  # built once


def test_the_journal_screen_reads_in_words_and_pages_by_number(client, journal, archivist, org):
    secret = make_mail(
        subject="Confidentiel", destination_entity=org.vasso, override={"confidential": True}
    )
    client.force_login(archivist)
    page = client.get(reverse("archives_journal"))
    assert page.status_code == 200
    shown = [item.event for item in page.context["events"]]
    assert all(event.mail_id != secret.pk for event in shown)  # outside her perimeter
    assert shown == sorted(shown, key=lambda e: -e.seq)
    older = client.get(reverse("archives_journal") + f"?before={shown[2].seq}")
    assert next(i.event.seq for i in older.context["events"]) == shown[3].seq
    mine = client.get(reverse("archives_journal") + "?actor=clerk&action=mail.registered")
    assert {item.event.action for item in mine.context["events"]} == {"mail.registered"}
    assert all(item.sentence for item in mine.context["events"])


def test_an_archivists_export_withholds_the_mail_she_may_not_open(
    journal, archivist, clerk, urbanisme_agent, org, tmp_path
):
    """Her package holds every link of the chain, but nothing of a confidential appeal she gets
    a 404 on: not its subject, not its closing comment, not its attachment's title."""
    appeal = make_mail(actor=clerk, subject="Recours de M. Secret contre le permis")
    qualify_confidential(clerk, appeal, org)
    close_mail(actor=urbanisme_agent, mail=appeal, comment="Transaction secrète signée")
    assert not can_see_mail(archivist, appeal)
    about_appeal = set(JournalEvent.objects.filter(mail=appeal).values_list("seq", flat=True))

    folder = exported(tmp_path, archivist)
    text = (folder / "events.jsonl").read_text()
    assert "Secret" not in text and "secrète" not in text and str(appeal.chrono_number) not in text
    records = [json.loads(line) for line in text.splitlines()]
    withheld = [r for r in records if r.get("withheld")]
    assert {r["seq"] for r in withheld} == about_appeal
    assert all(
        set(r) == {"seq", "hash", "position", "link_prev", "link", "withheld"} for r in withheld
    )
    assert len(records) == JournalLink.objects.filter(position__lte=records[-1]["position"]).count()
    result = verify(folder)
    assert result.returncode == 3, result.stdout  # no --trust: nothing wrong, nothing proved
    assert f"{len(about_appeal)} événements concernent des courriers hors du périmètre" in (
        result.stdout
    )
    assert "ne peut pas\nouvrir" in (folder / "LISEZMOI.txt").read_text()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["withheld"] == len(about_appeal)

    write_package(tmp_path / "urba.zip", exported_by=urbanisme_agent)  # whoever may open it
    by_her_colleague = unpack(tmp_path / "urba.zip", tmp_path / "urba")
    assert "Transaction secrète signée" in (by_her_colleague / "events.jsonl").read_text()

    def reveal(events: list[dict]) -> list[dict]:  # a forger "fills in" a withheld event
        return [
            {**e, "withheld": False, "action": "mail.closed", "actor_name": "m.bernard"}
            if e.get("withheld")
            else e
            for e in events
        ]

    rewrite_events(folder, reveal)
    forged = verify(folder)
    assert forged.returncode == 1
    assert "son contenu ne correspond plus à son empreinte" in forged.stdout


def test_the_journal_is_sealed_before_each_export(settings, archivist, clerk, tmp_path):
    with timestamp_authority(settings, tmp_path) as pki:
        for i in range(3):
            make_mail(actor=clerk, subject=f"Courrier {i}")
        assert not JournalSeal.objects.exists()
        folder = exported(tmp_path, archivist)
    seal = JournalSeal.objects.get()
    assert seal.last_seq == JournalEvent.objects.exclude(action="journal.exported").count()
    (tmp_path / "ca.pem").write_bytes(pki.ca_pem)
    result = verify(folder, "--trust", str(tmp_path / "ca.pem"))
    assert result.returncode == 0, result.stdout
