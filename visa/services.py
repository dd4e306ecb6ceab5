"""Visa circuits on a reply draft: visa-ers in order, then the signatory who signs the PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.sign.signers import SimpleSigner

from courrier.models import (
    Attachment,
    AttachmentVersion,
    Entity,
    Mail,
    MailStatus,
    User,
)
from courrier.services.circulation import pdf_content, ready_version, store_signed_version
from courrier.services.journal import record_event
from courrier.services.mail import check_mail_access, note_details, note_for_action
from visa.models import CircuitTemplate, SigningKey, VisaStep, VisaStepRole, VisaStepState
from visa.signing import SigningFailed, load_signer, sign_pdf


def _status_for(step: VisaStep | None) -> str:
    if step is None:
        return MailStatus.TO_SEND
    return MailStatus.TO_SIGN if step.role == VisaStepRole.SIGNATURE else MailStatus.TO_VISA


@transaction.atomic
def start_visa_circuit(
    *,
    actor: User,
    mail: Mail,
    steps: Sequence[tuple[User, str]],
    draft: Attachment | None = None,
    on_behalf_of: User | None = None,
) -> list[VisaStep]:
    """Replace the mail's circuit with these (user, role) steps; the first one becomes current."""
    check_mail_access(actor, mail, on_behalf_of=on_behalf_of, processing=True)
    if not steps:
        raise ValidationError(_("A visa circuit needs at least one step."))
    if [role for _u, role in steps].count(VisaStepRole.SIGNATURE) > 1 or any(
        role == VisaStepRole.SIGNATURE for _u, role in steps[:-1]
    ):
        raise ValidationError(_("Only the last step may be the signature."))
    if mail.status == MailStatus.CLOSED:
        raise PermissionDenied(_("A closed mail cannot enter a visa circuit."))
    for user, role in steps:
        needed = "courrier.sign_mail" if role == VisaStepRole.SIGNATURE else "courrier.visa_mail"
        if not user.is_active or not user.has_perm(needed):
            message = (
                _("%(user)s cannot sign replies.")
                if role == VisaStepRole.SIGNATURE
                else _("%(user)s cannot visa replies.")
            )
            raise ValidationError(message % {"user": user})
    version = ready_version(draft) if draft is not None else None
    VisaStep.objects.filter(mail=mail).delete()
    created = [
        VisaStep.objects.create(
            mail=mail,
            position=position,
            user=user,
            role=role,
            draft=draft,
            state=VisaStepState.CURRENT if position == 1 else VisaStepState.PENDING,
            current_since=timezone.now() if position == 1 else None,
        )
        for position, (user, role) in enumerate(steps, start=1)
    ]
    mail.status = _status_for(created[0])
    mail.save(update_fields=["status", "updated_at"])
    record_event(
        action="visa.circuit_started",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={
            "steps": [[u.username, role] for u, role in steps],
            "version": version.number if version else None,
        },
    )
    return created


@transaction.atomic
def save_circuit_template(
    *, actor: User, label: str, entity: Entity | None, steps: Sequence[tuple[User, str]]
) -> CircuitTemplate:
    """Keep a circuit for the service's next drafts, journaled like any change."""
    template = CircuitTemplate.objects.create(
        label=label[:200], entity=entity, steps=[[u.username, r] for u, r in steps]
    )
    record_event(
        action="visa.circuit_template_saved",
        actor=actor,
        target=template,
        details={"label": template.label, "steps": template.steps},
    )
    return template


def current_step(mail: Mail) -> VisaStep | None:
    return (
        VisaStep.objects.filter(mail=mail, state=VisaStepState.CURRENT)
        .select_related("user", "draft")
        .first()
    )


def _my_step(actor: User, mail: Mail, role: str) -> VisaStep:
    step = current_step(mail)
    if step is None or step.user_id != actor.pk or step.role != role:
        raise PermissionDenied(_("This mail is not waiting for your decision."))
    return step


def _advance(mail: Mail, step: VisaStep) -> VisaStep | None:
    following = (
        VisaStep.objects.filter(mail=mail, position__gt=step.position).order_by("position").first()
    )
    if following is not None:
        following.state, following.current_since = VisaStepState.CURRENT, timezone.now()
        following.save(update_fields=["state", "current_since"])
    mail.status = _status_for(following)
    mail.save(update_fields=["status", "updated_at"])
    return following


@transaction.atomic
def approve(
    *, actor: User, mail: Mail, comment: str = "", on_behalf_of: User | None = None
) -> VisaStep | None:
    """Give my visa (or an absent colleague's) on the current draft PDF; the next step follows."""
    check_mail_access(actor, mail, "visa_mail", on_behalf_of=on_behalf_of)
    step = _my_step(on_behalf_of or actor, mail, VisaStepRole.VISA)
    version = ready_version(step.draft) if step.draft else None
    step.state, step.decided_at, step.comment = (
        VisaStepState.APPROVED,
        timezone.now(),
        comment.strip(),
    )
    step.decided_version = version.number if version else None
    step.save(update_fields=["state", "decided_at", "comment", "decided_version"])
    following = _advance(mail, step)
    record_event(
        action="visa.approved",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={
            "step": step.position,
            "version": step.decided_version,
            "comment": step.comment,
            "next": following.user.username if following else None,
        },
    )
    return following


@transaction.atomic
def reject(
    *,
    actor: User,
    mail: Mail,
    note: str,
    to_previous: bool = False,
    on_behalf_of: User | None = None,
) -> None:
    """Send the draft back, with a note: to the previous visa-er, or to the drafter."""
    check_mail_access(actor, mail, on_behalf_of=on_behalf_of)
    step = current_step(mail)
    if step is None or step.user_id != (on_behalf_of or actor).pk:
        raise PermissionDenied(_("This mail is not waiting for your decision."))
    if not note.strip():
        raise ValidationError(_("Say why the draft goes back."))
    written = note_for_action(actor=actor, mail=mail, text=note)
    step.state, step.decided_at, step.comment = VisaStepState.REJECTED, timezone.now(), note.strip()
    step.save(update_fields=["state", "decided_at", "comment"])
    previous = (
        VisaStep.objects.filter(mail=mail, position__lt=step.position).order_by("-position").first()
    )
    if to_previous and previous is not None:
        previous.state, previous.decided_at = VisaStepState.CURRENT, None
        previous.current_since = timezone.now()
        previous.save(update_fields=["state", "decided_at", "current_since"])
        mail.status = _status_for(previous)
    else:
        VisaStep.objects.filter(mail=mail, state=VisaStepState.PENDING).update(
            state=VisaStepState.PENDING
        )
        mail.status = MailStatus.IN_PROGRESS  # back to the drafter
    mail.save(update_fields=["status", "updated_at"])
    record_event(
        action="visa.rejected",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={
            "step": step.position,
            "to": "previous" if to_previous and previous else "drafter",
            **note_details(written),
        },
    )


def restart_circuit(draft: Attachment) -> bool:
    """A new version of the draft under a circuit: every decision is void, the first step again."""
    steps = list(VisaStep.objects.filter(draft=draft).order_by("position"))
    if not steps or draft.mail.status not in (
        MailStatus.TO_VISA,
        MailStatus.TO_SIGN,
        MailStatus.IN_PROGRESS,
    ):
        return False
    if all(s.state == VisaStepState.APPROVED for s in steps):
        return False  # a signed reply's circuit is over
    for position, step in enumerate(steps):
        step.state = VisaStepState.CURRENT if position == 0 else VisaStepState.PENDING
        step.current_since = timezone.now() if position == 0 else None
        step.decided_at, step.decided_version = None, None
        step.save(update_fields=["state", "decided_at", "decided_version", "current_since"])
    draft.mail.status = _status_for(steps[0])
    draft.mail.save(update_fields=["status", "updated_at"])
    return True


@transaction.atomic
def register_signing_key(
    *, user: User, pkcs12: bytes, password: str, role: str = "", signature_image: bytes = b""
) -> SigningKey:
    """Keep a user's PKCS#12 after checking its password opens it; the password is not kept."""
    if signature_image:
        check_signature_image(signature_image)
    signer = load_signer(pkcs12, password)
    if signer.signing_cert is None:
        raise ValidationError(_("This file holds no certificate."))
    subject = signer.signing_cert.subject.human_friendly
    defaults: dict[str, object] = {"pkcs12": pkcs12, "subject": subject[:300], "role": role}
    if signature_image:
        defaults["signature_image"] = signature_image
    key, _created = SigningKey.objects.update_or_create(user=user, defaults=defaults)
    record_event(action="visa.key_registered", actor=user, target=key, details={"subject": subject})
    return key


def check_signature_image(content: bytes) -> None:
    """A small PNG or JPEG; anything else is refused before it reaches a PDF."""
    if len(content) > 1024 * 1024:
        raise ValidationError(_("The signature image must be under 1 MB."))
    try:
        with Image.open(io.BytesIO(content)) as picture:
            if picture.format not in ("PNG", "JPEG"):
                raise ValidationError(_("The signature image must be a PNG or JPEG file."))
            picture.verify()
    except (OSError, SyntaxError) as exc:
        raise ValidationError(_("The signature image must be a PNG or JPEG file.")) from exc


def _signer_for(actor: User, password: str, use_seal: bool) -> tuple[SimpleSigner, str, bytes]:
    if use_seal:
        if not settings.BANNETTE_SEAL_PKCS12_FILE:
            raise ValidationError(_("No organisation seal is configured."))
        with open(settings.BANNETTE_SEAL_PKCS12_FILE, "rb") as handle:
            return (
                load_signer(handle.read(), settings.BANNETTE_SEAL_PASSWORD),
                settings.BANNETTE_ORGANISATION_NAME,
                b"",
            )
    key = SigningKey.objects.filter(user=actor).first()
    if key is None:
        raise ValidationError(_("You have no signing key yet: add your certificate first."))
    return load_signer(bytes(key.pkcs12), password), key.role, bytes(key.signature_image or b"")


def _check_visas_cover(mail: Mail, step: VisaStep, version: AttachmentVersion) -> None:
    """Each visa before the signature was given on the very version to be signed."""
    earlier = VisaStep.objects.filter(
        mail=mail, position__lt=step.position, role=VisaStepRole.VISA
    ).select_related("user")
    for visa in earlier:
        if visa.state != VisaStepState.APPROVED or visa.decided_version != version.number:
            raise ValidationError(
                _(
                    "Version %(version)s of the draft was not approved by %(user)s (their visa "
                    "was on version %(visa)s): the circuit must start again."
                )
                % {
                    "version": version.number,
                    "user": visa.user.get_full_name() or visa.user.get_username(),
                    "visa": visa.decided_version or "—",
                }
            )


def sign(
    *, actor: User, mail: Mail, password: str = "", use_seal: bool = False
) -> AttachmentVersion:
    """Sign the draft's PDF (PAdES); the signed PDF becomes the draft's new version.

    Only the version every visa of the circuit approved is signed. The signature (and its call
    to the timestamp authority) is made with no transaction open and no lock held; the signed
    version is then stored only if the draft and the step are still as they were."""
    with transaction.atomic():  # checked under the mail's lock, released before signing
        check_mail_access(actor, mail, "sign_mail")
        step = _my_step(actor, mail, VisaStepRole.SIGNATURE)
        if step.draft is None:
            raise ValidationError(_("There is no reply draft to sign."))
        version = ready_version(step.draft)
        _check_visas_cover(mail, step, version)
        pdf = pdf_content(version)
    try:
        signer, role, image = _signer_for(actor, password, use_seal)
        signed = sign_pdf(
            pdf,
            signer=signer,
            name=actor.get_full_name() or actor.username,
            role=role or "",
            reason=mail.chrono_number or "",
            image=image,
        )
    except SigningFailed as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        check_mail_access(actor, mail, "sign_mail")  # locks the mail again, reloaded
        step = _my_step(actor, mail, VisaStepRole.SIGNATURE)
        assert step.draft is not None
        if ready_version(step.draft).pk != version.pk:
            raise ValidationError(
                _("The draft changed while it was being signed: look at it again, then sign.")
            )
        _check_visas_cover(mail, step, version)
        stem = (mail.chrono_number or str(mail.pk)).replace("/", "-")
        new = store_signed_version(
            actor=actor, attachment=step.draft, name=f"reponse-{stem}-signee.pdf", content=signed
        )
        number = new.number
        step.state, step.decided_at, step.decided_version = (
            VisaStepState.APPROVED,
            timezone.now(),
            number,
        )
        step.save(update_fields=["state", "decided_at", "decided_version"])
        _advance(mail, step)
        record_event(
            action="visa.signed",
            actor=actor,
            target=mail,
            details={"version": number, "sha256": new.sha256, "seal": use_seal},
        )
    return new
