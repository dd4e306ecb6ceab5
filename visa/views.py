"""The reply tab of a mail: draft from a template, circuit, visa, signature, sending."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courrier.forms import contact_from_token
from courrier.models import (
    Attachment,
    Category,
    ContactRole,
    Entity,
    Mail,
    OutgoingEmail,
    PdfStatus,
    User,
)
from courrier.selectors import ancestor_ids, can_process_mail, user_entity_ids
from courrier.services.actions import Acting, refusal_text
from courrier.services.initiative import send_internal
from courrier.services.mail import IncomingFile
from courrier.services.outgoing import default_channel, send_reply_by_email, send_reply_by_post
from courrier.views.common import _user, act_on_mail, as_id, posted_ids
from templates_office.models import OfficeTemplate
from templates_office.services import REPLY_KIND, draft_reply, schedule_conversion, templates_for
from visa import services
from visa.models import CircuitTemplate, OpinionRequest, SigningKey, VisaStep, VisaStepRole
from visa.opinions import answer_opinion, my_ask, opinion_requests, recall_opinion, request_opinion
from visa.parapheur import send_to_parapheur
from visa.signing import check_signatures


def _signature_panel(draft: Attachment) -> list[Any]:
    version = draft.versions.filter(signed=True).order_by("-number").first()
    if version is None:
        return []
    with version.file.open("rb") as handle:
        return check_signatures(handle.read())


def reply_context(acting: Acting, mail: Mail) -> dict[str, Any]:
    """What the reply tab shows to this user."""
    principal = acting.principal
    drafts = list(
        mail.attachments.filter(kind__code=REPLY_KIND)
        .prefetch_related("versions")
        .order_by("-created_at")
    )
    step = services.current_step(mail)
    deciders = (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__permissions__codename__in=["visa_mail", "sign_mail"]) | Q(is_superuser=True)
        )
        .distinct()
        .order_by("last_name")
    )
    return {
        "can_process": can_process_mail(principal, mail),
        "office_templates": templates_for(principal, mail).order_by("kind", "label"),
        "drafts": drafts,
        "steps": VisaStep.objects.filter(mail=mail).select_related("user").order_by("position"),
        "current_step": step,
        "my_step": step if step is not None and step.user_id == principal.pk else None,
        # A service's templates, and those of the services above it (the director's, the
        # mayor's): a Voirie agent sends for "visa DST then signature of the Mayor".
        "circuit_templates": CircuitTemplate.objects.filter(
            Q(entity__isnull=True)
            | Q(entity_id__in=ancestor_ids(user_entity_ids(principal) | _destination_id(mail)))
        ).order_by("label"),
        "deciders": deciders,
        "has_key": SigningKey.objects.filter(user=acting.actor).exists(),
        "signatures": _signature_panel(drafts[0]) if drafts else [],
        "send_to": _send_to(mail, drafts[0]) if drafts else "",
        "default_channel": default_channel(mail),
        "parapheur": bool(settings.BANNETTE_PARAPHEUR_OUTBOX and settings.BANNETTE_PARAPHEUR_INBOX),
        "parapheur_requests": mail.parapheur_requests.order_by("-sent_at"),
        "queued_email": OutgoingEmail.objects.filter(mail=mail).first(),
        "letter": mail.category != Category.INCOMING,
    }


def _destination_id(mail: Mail) -> set[int]:
    return {mail.destination_entity_id} if mail.destination_entity_id else set()


def _send_to(mail: Mail, draft: Attachment) -> str:
    if draft.recipient is not None:
        return draft.recipient.email
    sender = mail.mail_contacts.filter(role=ContactRole.SENDER).select_related("contact").first()
    return sender.contact.email if sender else ""


def _draft(mail: Mail, request: HttpRequest) -> Attachment:
    return get_object_or_404(
        Attachment, pk=as_id(request.POST.get("draft")), mail=mail, kind__code=REPLY_KIND
    )


@login_required
@require_POST
def new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        template = get_object_or_404(OfficeTemplate, pk=as_id(request.POST.get("template")))
        recipient = contact_from_token(
            request.POST.get("recipient", ""), request.POST.get("recipient_ref", "")
        )
        draft_reply(
            actor=acting.actor,
            mail=mail,
            template=template,
            recipient=recipient,
            on_behalf_of=acting.on_behalf_of,
        )

    return act_on_mail(
        request, pk, "reply", work, _("Document created from the template; its PDF is being made.")
    )


@login_required
@require_POST
def retry_conversion(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        if not can_process_mail(acting.principal, mail):
            raise PermissionDenied(_("This mail is not yours to process."))
        version = _draft(mail, request).current_version()
        if version is not None and version.pdf_status == PdfStatus.FAILED:
            schedule_conversion(version)

    return act_on_mail(request, pk, "reply", work, _("The PDF is being made again."))


def _circuit_steps(request: HttpRequest) -> list[tuple[User, str]]:
    template = CircuitTemplate.objects.filter(
        pk=as_id(request.POST.get("circuit_template"))
    ).first()
    if template is not None:
        users = {
            u.username: u
            for u in User.objects.filter(
                username__in=[s[0] for s in template.steps], is_active=True
            )
        }
        return [(users[name], role) for name, role in template.steps if name in users]
    visa_ids = posted_ids(request, "visa")
    signatory = as_id(request.POST.get("signatory"))
    by_id = User.objects.in_bulk([*visa_ids, signatory] if signatory else visa_ids)
    steps: list[tuple[User, str]] = [(by_id[i], VisaStepRole.VISA) for i in visa_ids if i in by_id]
    if signatory in by_id:
        steps.append((by_id[signatory], VisaStepRole.SIGNATURE))
    return steps


@login_required
@require_POST
def start_circuit(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        steps = _circuit_steps(request)
        services.start_visa_circuit(
            actor=acting.actor,
            mail=mail,
            steps=steps,
            draft=_draft(mail, request),
            on_behalf_of=acting.on_behalf_of,
        )
        label = request.POST.get("save_as", "").strip()
        if label and steps:
            services.save_circuit_template(
                actor=acting.actor, label=label, entity=mail.destination_entity, steps=steps
            )

    return act_on_mail(request, pk, "reply", work, _("The draft is on its way for visa."))


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        if decision == "approve":
            services.approve(
                actor=acting.actor,
                mail=mail,
                comment=request.POST.get("note", ""),
                on_behalf_of=acting.on_behalf_of,
            )
        elif decision == "reject":
            services.reject(
                actor=acting.actor,
                mail=mail,
                note=request.POST.get("note", ""),
                to_previous=request.POST.get("to") == "previous",
                on_behalf_of=acting.on_behalf_of,
            )
        elif decision == "sign":
            if acting.on_behalf_of is not None:
                raise PermissionDenied(
                    _("A signature is personal: it cannot be given on someone's behalf.")
                )
            services.sign(
                actor=acting.actor,
                mail=mail,
                password=request.POST.get("password", ""),
                use_seal=request.POST.get("seal") == "1",
            )
        else:
            raise PermissionDenied("Unknown decision")

    done = {
        "approve": _("Visa given."),
        "reject": _("Draft sent back."),
        "sign": _("Reply signed."),
    }.get(decision, "")
    return act_on_mail(request, pk, "reply", work, done)


@login_required
@require_POST
def to_parapheur(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        post = request.POST
        send_to_parapheur(
            actor=acting.actor,
            mail=mail,
            draft=_draft(mail, request),
            circuit_type=post.get("circuit_type", "")[:100],
            circuit_subtype=post.get("circuit_subtype", "")[:100],
            signatory=post.get("signatory_name", "")[:200],
        )

    return act_on_mail(request, pk, "reply", work, _("The draft is in the parapheur's folder."))


@login_required
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        if mail.category == Category.INTERNAL:
            chosen = request.POST.get("draft")
            send_internal(
                actor=acting.actor, mail=mail, draft=_draft(mail, request) if chosen else None
            )
            return
        if request.POST.get("channel") == "post":
            send_reply_by_post(
                actor=acting.actor,
                mail=mail,
                draft=_draft(mail, request),
                close_incoming=request.POST.get("close") == "1",
            )
            return
        send_reply_by_email(
            actor=acting.actor,
            mail=mail,
            draft=_draft(mail, request),
            to=request.POST.get("to", ""),
            from_entity=request.POST.get("from") != "me",
            close_incoming=request.POST.get("close") == "1",
            attachments=list(mail.attachments.filter(pk__in=posted_ids(request, "attach"))),
        )

    letter = Mail.objects.filter(pk=pk).values_list("category", flat=True).first()
    if letter == Category.INTERNAL:
        done = _("Internal mail sent: it is in the recipient service's baskets.")
    elif request.POST.get("channel") == "post":
        done = (
            _("Letter ready for the post: print it from its Document tab.")
            if letter == Category.OUTGOING
            else _("Reply registered for the post: print it from the outgoing mail.")
        )
    else:
        done = (
            _("Reply sent by e-mail.")
            if letter != Category.OUTGOING
            else _("Letter sent by e-mail.")
        )
    return act_on_mail(request, pk, "reply", work, done)


@login_required
def signing_key(request: HttpRequest) -> HttpResponse:
    """Upload one's PKCS#12 (.p12/.pfx); its password is checked, then forgotten."""
    user = _user(request)
    if request.method == "POST":
        upload = request.FILES.get("pkcs12")
        try:
            if upload is None:
                raise ValidationError(_("Choose your .p12 or .pfx file."))
            image = request.FILES.get("signature_image")
            services.register_signing_key(
                user=user,
                pkcs12=upload.read(),
                password=request.POST.get("password", ""),
                role=request.POST.get("role", ""),
                signature_image=image.read() if image else b"",
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(
                request,
                _(
                    "Your signing key is saved. Its password is not kept: you give it at each signature."
                ),
            )
            return HttpResponseRedirect(reverse("signing_key"))
    key = SigningKey.objects.filter(user=user).first()
    return render(request, "visa/signing_key.html", {"key": key})


def opinions_context(acting: Acting, mail: Mail) -> dict[str, Any]:
    return {
        "can_process": can_process_mail(acting.principal, mail),
        "opinion_requests": opinion_requests(mail),
        "my_ask": my_ask(acting.actor, mail),
        "askable_entities": Entity.objects.filter(active=True),
        "askable_users": User.objects.filter(is_active=True)
        .exclude(pk=acting.actor.pk)
        .select_related("primary_entity")
        .order_by("last_name"),
    }


@login_required
@require_POST
def ask_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        post = request.POST
        entities = list(Entity.objects.filter(pk__in=posted_ids(request, "entities")))
        users = list(User.objects.filter(pk__in=posted_ids(request, "users"), is_active=True))
        try:
            deadline = datetime.date.fromisoformat(post.get("deadline", ""))
        except ValueError as exc:
            raise ValidationError(_("Give the date by which the opinion is expected.")) from exc
        request_opinion(
            actor=acting.actor,
            mail=mail,
            asked=[*entities, *users],
            reason=post.get("reason", ""),
            deadline=deadline,
            sequential=post.get("mode") == "sequence",
        )

    return act_on_mail(request, pk, "opinions", work, _("Opinion requested."))


@login_required
@require_POST
def give_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        upload = request.FILES.get("file")
        file = (
            IncomingFile(upload.name or "avis", upload.read(), upload.content_type or "")
            if upload
            else None
        )
        answer_opinion(actor=acting.actor, mail=mail, text=request.POST.get("text", ""), file=file)

    return act_on_mail(request, pk, "opinions", work, _("Opinion given."))


@login_required
@require_POST
def recall(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        recall_opinion(
            actor=acting.actor, request=get_object_or_404(OpinionRequest, pk=request_id, mail=mail)
        )

    return act_on_mail(
        request, pk, "opinions", work, _("Request recalled; you can resume processing.")
    )
