"""An external parapheur through drop folders (protocol in the README, "Parapheur").

Out: one folder per request, built under a dot-name in the outbox and renamed into place, with
the draft PDF and manifest.json. Back: the parapheur drops a folder (renamed into place too) in
the inbox with result.json and, when signed, the signed PDF. The watcher claims each return by a
rename (scanner_hotfolders), checks request id and hashes, then files it in done/ or error/.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.models import Attachment, Mail, MailStatus, Note, User
from courrier.services.circulation import ready_version, store_signed_version
from courrier.services.journal import record_event
from courrier.services.mail import check_mail_access
from dropfolders import DONE, ERROR, PROCESSING, claim_into, file_out, is_ignored
from visa.models import ParapheurRequest, ParapheurStatus

logger = logging.getLogger(__name__)
PROTOCOL_VERSION = 1


class BadReturn(ValueError):
    """A return folder that cannot be accepted; the message goes to its reason file."""


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _folders() -> tuple[Path, Path]:
    if not (settings.BANNETTE_PARAPHEUR_OUTBOX and settings.BANNETTE_PARAPHEUR_INBOX):
        raise ValidationError(
            _("No parapheur is configured (BANNETTE_PARAPHEUR_OUTBOX and _INBOX).")
        )
    return Path(settings.BANNETTE_PARAPHEUR_OUTBOX), Path(settings.BANNETTE_PARAPHEUR_INBOX)


def _build_request(outbox: Path, request: ParapheurRequest, pdf: bytes) -> Path:
    """Write the request under a hidden name (the parapheur ignores it until it is renamed)."""
    outbox.mkdir(parents=True, exist_ok=True)
    building = outbox / f".building-{request.request_id}"
    building.mkdir()
    (building / "document.pdf").write_bytes(pdf)
    manifest = {
        "protocol": PROTOCOL_VERSION,
        "request_id": str(request.request_id),
        "mail_chrono": request.mail.chrono_number,
        "title": request.draft.title,
        "circuit": {"type": request.circuit_type, "subtype": request.circuit_subtype},
        "signatory": request.signatory,
        "files": [{"name": "document.pdf", "sha256": _sha256(pdf)}],
    }
    (building / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return building


@transaction.atomic
def send_to_parapheur(
    *,
    actor: User,
    mail: Mail,
    draft: Attachment,
    circuit_type: str = "",
    circuit_subtype: str = "",
    signatory: str = "",
) -> ParapheurRequest:
    """Hand the draft's PDF to the parapheur; the folder is written once this is committed."""
    check_mail_access(actor, mail, "process_mail", processing=True)
    outbox, _inbox = _folders()
    if mail.status != MailStatus.IN_PROGRESS:
        raise ValidationError(_("Only a mail being processed can be sent to the parapheur."))
    version = ready_version(draft)
    with (version.pdf or version.file).open("rb") as handle:
        pdf = handle.read()
    request = ParapheurRequest.objects.create(
        request_id=uuid.uuid4(),
        mail=mail,
        draft=draft,
        version=version.number,
        requested_by=actor,
        circuit_type=circuit_type,
        circuit_subtype=circuit_subtype,
        signatory=signatory,
    )
    mail.status = MailStatus.TO_SIGN
    mail.save(update_fields=["status", "updated_at"])
    record_event(
        action="parapheur.sent",
        actor=actor,
        target=mail,
        details={
            "request_id": str(request.request_id),
            "version": version.number,
            "circuit": [circuit_type, circuit_subtype],
        },
    )
    # Written now, so that a full disk fails the action; published (renamed) only once the
    # request is committed, so that an answer can never come back for an unknown request.
    building = _build_request(outbox, request, pdf)
    transaction.on_commit(lambda: os.replace(building, outbox / str(request.request_id)))
    return request


def _result(folder: Path) -> dict[str, Any]:
    try:
        result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadReturn("result.json is missing") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadReturn(f"result.json is not valid JSON: {exc}") from exc
    if not isinstance(result, dict) or result.get("status") not in ("signed", "refused"):
        raise BadReturn('result.json needs "status": "signed" or "refused"')
    return result


def _request(result: dict[str, Any]) -> ParapheurRequest:
    try:
        request_id = uuid.UUID(str(result.get("request_id")))
    except ValueError as exc:
        raise BadReturn("request_id is not a valid identifier") from exc
    request = (
        ParapheurRequest.objects.select_related("mail", "draft", "requested_by")
        .filter(request_id=request_id)
        .first()
    )
    if request is None:
        raise BadReturn(f"unknown request {request_id}")
    if request.status != ParapheurStatus.SENT:
        raise BadReturn(f"request {request_id} was already answered ({request.status})")
    return request


def _signed_pdf(folder: Path, result: dict[str, Any]) -> tuple[str, bytes]:
    files = result.get("files") or []
    pdfs = [
        f for f in files if isinstance(f, dict) and str(f.get("name", "")).lower().endswith(".pdf")
    ]
    if len(pdfs) != 1:
        raise BadReturn('a signed return lists exactly one PDF in "files"')
    name = Path(str(pdfs[0]["name"])).name  # no path tricks
    try:
        content = (folder / name).read_bytes()
    except FileNotFoundError as exc:
        raise BadReturn(f"{name} is listed but missing") from exc
    if _sha256(content) != pdfs[0].get("sha256"):
        raise BadReturn(f"{name}: SHA-256 does not match result.json")
    if not content.startswith(b"%PDF-"):
        raise BadReturn(f"{name} is not a PDF")
    return name, content


@transaction.atomic
def _accept(request: ParapheurRequest, result: dict[str, Any], folder: Path) -> None:
    mail, who = request.mail, str(result.get("by", ""))[:200]
    annotation = str(result.get("annotation", ""))
    request.returned_at, request.decided_by, request.annotation = timezone.now(), who, annotation
    if result["status"] == "signed":
        name, content = _signed_pdf(folder, result)
        store_signed_version(actor=None, attachment=request.draft, name=name, content=content)
        request.status, mail.status = ParapheurStatus.SIGNED, MailStatus.TO_SEND
    else:
        Note.objects.create(
            mail=mail,
            author=request.requested_by,
            text=_("Refused in the parapheur by %(who)s: %(annotation)s")
            % {"who": who or "?", "annotation": annotation},
        )
        request.status, mail.status = ParapheurStatus.REFUSED, MailStatus.IN_PROGRESS
    request.save(update_fields=["status", "returned_at", "decided_by", "annotation"])
    mail.save(update_fields=["status", "updated_at"])
    record_event(
        action=f"parapheur.{request.status}",
        actor=None,
        target=mail,
        details={
            "request_id": str(request.request_id),
            "by": who,
            "at": result.get("at"),
            "annotation": annotation,
        },
    )


def handle_return(folder: Path) -> str:
    """Process one claimed return folder; it ends in done/ or, with its reason, in error/."""
    try:
        result = _result(folder)
        _accept(_request(result), result, folder)
    except BadReturn as exc:
        logger.warning("parapheur return %s refused: %s", folder.name, exc)
        file_out(folder, ERROR, str(exc))
        return ERROR
    file_out(folder, DONE)
    return DONE


def poll_inbox() -> list[str]:
    """Claim and process every return folder present now (names starting with . or _ are
    still being written by the parapheur and are left alone)."""
    _outbox, inbox = _folders()
    inbox.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for entry in sorted(
        p
        for p in inbox.iterdir()
        if p.is_dir() and not is_ignored(p) and p.name not in (PROCESSING, DONE, ERROR)
    ):
        claimed = claim_into(inbox, entry)
        if claimed is not None:
            outcomes.append(handle_return(claimed))
    processing = inbox / "processing"
    for leftover in sorted(processing.iterdir()) if processing.is_dir() else []:
        if leftover.is_dir():  # claimed before a crash: finish it
            outcomes.append(handle_return(leftover))
    return outcomes
