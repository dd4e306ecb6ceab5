"""Hot folders: a file is taken once complete, exactly once, and ends in done/ or error/."""

from __future__ import annotations

import pytest

from capture.models import CaptureInput, InputStatus
from capture.services import retry_input
from capture.tests import scans
from courrier.models import Entity, Mail, MailStatus
from scanner_hotfolders.models import HotFolder
from scanner_hotfolders.watcher import FolderWatch, sync_folders_from_environment

pytestmark = pytest.mark.django_db
LETTER = scans.born_digital_pdf(["Objet : trottoir abîmé", "Le trottoir est abîmé rue Haute."])


@pytest.fixture
def folder(tmp_path, org):
    return HotFolder.objects.create(
        name="scanner-courrier", path=str(tmp_path / "scan"), entity=org.voirie
    )


@pytest.fixture
def watch(folder, tmp_path):
    (tmp_path / "scan").mkdir()
    return FolderWatch(folder, stable_seconds=5)


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks):
    """Run what the watcher queues on commit (the in-process task), as production would."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def files(path):
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def test_a_file_is_taken_only_once_its_size_and_time_are_stable(watch, run_commits):
    drop = watch.root / "courrier.pdf"
    drop.write_bytes(LETTER[:100])  # the scanner is still writing
    assert run_commits(lambda: watch.poll(now=0)) == []
    drop.write_bytes(LETTER)
    assert run_commits(lambda: watch.poll(now=10)) == []  # changed since: wait again
    assert run_commits(lambda: watch.poll(now=12)) == []  # unchanged, but not for 5 s yet
    (taken,) = run_commits(lambda: watch.poll(now=16))
    taken.refresh_from_db()
    assert taken.status == InputStatus.DONE
    (mail,) = Mail.objects.all()
    assert (mail.status, mail.destination_entity.code) == (MailStatus.TO_QUALIFY, "VOIR")
    assert mail.original.read() == LETTER
    assert files(watch.root / "done") == [taken.source_ref.rsplit("/", 1)[1]]
    assert files(watch.root / "processing") == []
    assert files(watch.root) == ["done", "processing"]


def test_hidden_and_temporary_files_are_left_alone(watch, run_commits):
    for name in (".~lock.scan.pdf#", "scan.pdf.part", "scan.tmp", "~scan.pdf"):
        (watch.root / name).write_bytes(LETTER)
    run_commits(lambda: watch.poll(now=0))
    assert run_commits(lambda: watch.poll(now=60)) == []
    assert not CaptureInput.objects.exists()


def test_a_bad_file_goes_to_error_with_a_reason(watch, run_commits):
    (watch.root / "vide.pdf").write_bytes(b"")
    run_commits(lambda: watch.poll(now=0))
    (failed,) = run_commits(lambda: watch.poll(now=6))
    failed.refresh_from_db()
    assert failed.status == InputStatus.ERROR
    error_dir = watch.root / "error"
    (kept, reason) = files(error_dir)
    assert reason == kept + ".reason.txt"
    assert "le fichier est vide (0 octet)" in (error_dir / reason).read_text()


def test_a_retried_batch_leaves_the_error_folder_for_done(watch, run_commits, clerk):
    batch = scans.scanned_pdf(
        [
            scans.separator_page("SPORTS"),
            scans.letter_page(["Objet : gymnase", "Le toit du gymnase fuit."]),
        ]
    )
    (watch.root / "lot.pdf").write_bytes(batch)
    run_commits(lambda: watch.poll(now=0))
    (failed,) = run_commits(lambda: watch.poll(now=6))
    failed.refresh_from_db()
    assert "entité inconnue « SPORTS »" in failed.error
    assert len(files(watch.root / "error")) == 2
    Entity.objects.create(code="SPORTS", label="Sports")  # the administrator's fix
    run_commits(lambda: retry_input(actor=clerk, capture_input=failed))
    failed.refresh_from_db()
    assert failed.status == InputStatus.DONE
    assert files(watch.root / "error") == [] and len(files(watch.root / "done")) == 1
    assert Mail.objects.get().destination_entity.code == "SPORTS"


def test_files_claimed_before_a_restart_are_captured_at_start(watch, run_commits):
    processing = watch.root / "processing"
    processing.mkdir()
    (processing / "20260101-000000-000000__oublie.pdf").write_bytes(LETTER)
    (resumed,) = run_commits(watch.resume)
    resumed.refresh_from_db()
    assert resumed.status == InputStatus.DONE and resumed.file_name == "oublie.pdf"
    assert files(processing) == []


def test_folders_can_be_declared_in_the_environment(settings, org, tmp_path):
    settings.BANNETTE_HOTFOLDERS = [f"urbanisme={tmp_path}/urba:URBA"]
    sync_folders_from_environment()
    folder = HotFolder.objects.get(name="urbanisme")
    assert (folder.path, folder.entity.code) == (f"{tmp_path}/urba", "URBA")


def test_a_capture_whose_move_to_done_failed_is_not_registered_again(watch, run_commits):
    """The share refuses the move (done/ leads to a share that went away): the file stays in
    processing/ with its mail committed. The watcher restarts twice: the same bytes of the same claim are
    recognised, never a second mail; once the share is back, the file reaches done/."""
    (watch.root / "done").symlink_to(watch.root.parent / "share-gone")
    letters = [
        scans.born_digital_pdf([f"Objet : demande {n}", f"Lettre numéro {n}."]) for n in range(3)
    ]
    for n, letter in enumerate(letters):
        (watch.root / f"lettre-{n}.pdf").write_bytes(letter)
    run_commits(lambda: watch.poll(now=0))
    taken = run_commits(lambda: watch.poll(now=10))
    assert len(taken) == 3 and Mail.objects.count() == 3
    assert len(files(watch.root / "processing")) == 3  # captured, but not moved

    for _restart in range(2):  # the watcher restarts (or the database blinked): resume
        again = run_commits(lambda: FolderWatch(watch.folder, stable_seconds=5).resume())
        assert sorted(i.pk for i in again) == sorted(i.pk for i in taken)
        assert Mail.objects.count() == 3 and CaptureInput.objects.count() == 3

    (watch.root / "done").unlink()  # the share is back
    run_commits(lambda: FolderWatch(watch.folder, stable_seconds=5).resume())
    assert files(watch.root / "processing") == []
    assert len(files(watch.root / "done")) == 3
    assert Mail.objects.count() == 3 and CaptureInput.objects.count() == 3


def test_the_same_bytes_dropped_again_later_are_a_new_input(watch, run_commits):
    """Recognition is by claim: a file moved to done/ and dropped again is captured again (and
    flagged as a duplicate by the pipeline's own check), not silently swallowed."""
    (watch.root / "lettre.pdf").write_bytes(LETTER)
    run_commits(lambda: watch.poll(now=0))
    (first,) = run_commits(lambda: watch.poll(now=10))
    (watch.root / "lettre.pdf").write_bytes(LETTER)
    run_commits(lambda: watch.poll(now=20))
    (second,) = run_commits(lambda: watch.poll(now=30))
    assert second.pk != first.pk and CaptureInput.objects.count() == 2
