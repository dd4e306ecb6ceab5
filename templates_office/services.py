"""Reply drafts: merged from an office template, converted to PDF by LibreOffice in a worker."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from courrier.models import (
    Attachment,
    AttachmentKind,
    AttachmentVersion,
    Category,
    Contact,
    ContactAddress,
    Mail,
    PdfStatus,
    User,
)
from courrier.selectors import user_entity_ids
from courrier.services.circulation import store_version
from courrier.services.journal import record_event
from courrier.services.mail import IncomingFile, check_mail_access
from templates_office.catalogue import mail_context
from templates_office.convert import ConversionFailed, to_pdf
from templates_office.merge import TemplateProblem, merge
from templates_office.models import OfficeTemplate, TemplateKind

logger = logging.getLogger(__name__)
REPLY_KIND = "reply_draft"
CONVERTIBLE = {".docx", ".odt", ".doc", ".rtf"}


def reply_kind() -> AttachmentKind:
    kind, _created = AttachmentKind.objects.get_or_create(
        code=REPLY_KIND, defaults={"label": "Projet de réponse"}
    )
    return kind


def templates_for(user: User, mail: Mail, kind: str | None = None) -> QuerySet[OfficeTemplate]:
    """Active templates (of a kind) for the user's entities (or all) and the mail's type (or all)."""
    offered = OfficeTemplate.objects.filter(
        Q(entity__isnull=True) | Q(entity_id__in=user_entity_ids(user)),
        Q(document_type__isnull=True) | Q(document_type=mail.document_type_id),
        active=True,
    )
    return offered.filter(kind=kind) if kind else offered


def kind_for(template: OfficeTemplate) -> AttachmentKind:
    """Replies become reply drafts (visa, signature); other kinds, attachments of their kind."""
    if template.kind == TemplateKind.REPLY:
        return reply_kind()
    kind, _created = AttachmentKind.objects.get_or_create(
        code=f"office-{template.kind}", defaults={"label": str(template.get_kind_display())}
    )
    return kind


def schedule_conversion(version: AttachmentVersion) -> None:
    """Office files get a PDF made by a worker once the version is committed."""
    if Path(version.file_name).suffix.lower() not in CONVERTIBLE:
        return
    AttachmentVersion.objects.filter(pk=version.pk).update(
        pdf_status=PdfStatus.PENDING, pdf_error=""
    )
    from templates_office.tasks import convert_version

    transaction.on_commit(lambda: convert_version.delay(version.pk))


@transaction.atomic
def draft_reply(
    *,
    actor: User,
    mail: Mail,
    template: OfficeTemplate,
    recipient: tuple[Contact, ContactAddress | None] | None = None,
    on_behalf_of: User | None = None,
) -> Attachment:
    """Merge the template for this mail (to its sender by default) into a new draft: a reply
    draft for reply templates, an attachment of the template's kind for the others."""
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    if not templates_for(on_behalf_of or actor, mail).filter(pk=template.pk).exists():
        raise ValidationError(_("This template is not offered for this mail."))
    try:
        content = merge(
            template.file.read(), mail_context(mail, drafter=actor, recipient=recipient)
        )
    except TemplateProblem as exc:
        raise ValidationError(str(exc)) from exc
    finally:
        template.file.close()
    stem = (mail.chrono_number or str(mail.pk)).replace("/", "-")
    is_reply = template.kind == TemplateKind.REPLY
    if not is_reply:
        title = f"{template.label} — {mail.subject}"
    elif mail.category == Category.INCOMING:
        title = _("Reply: %(subject)s") % {"subject": mail.subject}
    else:  # a letter of the organisation's own
        title = _("Letter: %(subject)s") % {"subject": mail.subject}
    attachment = Attachment.objects.create(
        mail=mail,
        kind=kind_for(template),
        title=title[:300],
        created_by=actor,
        recipient=recipient[0] if recipient else None,
    )
    name = f"{'reponse' if is_reply else template.kind}-{stem}.docx"
    version = store_version(
        actor=actor, attachment=attachment, file=IncomingFile(name, content), number=1
    )
    schedule_conversion(version)
    record_event(
        action="reply.drafted" if is_reply else "document.drafted",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=attachment,
        mail=mail,
        details={"template": template.label, "recipient": recipient[0].pk if recipient else None},
    )
    return attachment


def convert(version_id: int) -> AttachmentVersion:
    """Make the version's PDF; a failure is kept on the version for the user to see and retry."""
    version = AttachmentVersion.objects.select_related("attachment").get(pk=version_id)
    if version.pdf_status == PdfStatus.DONE:
        return version  # a re-run task does nothing twice
    with version.file.open("rb") as handle:
        content = handle.read()
    try:
        pdf = to_pdf(content, Path(version.file_name).suffix.lower())
    except ConversionFailed as exc:
        logger.warning("conversion of attachment version %s failed: %s", version_id, exc)
        with transaction.atomic():
            version.pdf_status, version.pdf_error = PdfStatus.FAILED, str(exc)
            version.save(update_fields=["pdf_status", "pdf_error"])
            record_event(
                action="attachment.conversion_failed",
                actor=None,
                target=version.attachment,
                mail=version.attachment.mail,
                details={"version": version.number, "error": str(exc)},
            )
        return version
    version.pdf.save(
        f"{Path(version.file_name).stem}-v{version.number}.pdf", ContentFile(pdf), save=False
    )
    with transaction.atomic():
        version.pdf_status, version.pdf_error = PdfStatus.DONE, ""
        version.save(update_fields=["pdf", "pdf_status", "pdf_error"])
        record_event(
            action="attachment.pdf_made",
            actor=None,
            target=version.attachment,
            mail=version.attachment.mail,
            details={"version": version.number, "pdf_sha256": hashlib.sha256(pdf).hexdigest()},
        )
    return version
