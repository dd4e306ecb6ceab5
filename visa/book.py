"""The signature book ("parapheur"): the drafts waiting for my visa or my signature, each read
as a large PDF beside its mail, circuit and notes, decided one after the other or in a batch."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from courrier.models import AttachmentVersion, ContactRole, Mail
from courrier.selectors import visible_mails, visible_notes
from courrier.services.actions import refusal_text
from courrier.services.circulation import ready_version
from courrier.views.common import _user, as_id, posted_ids
from templates_office.services import REPLY_KIND
from visa import services
from visa.annotations import annotate, annotated_copy_of
from visa.models import (
    AnnotationPlace,
    DraftAnnotation,
    SigningKey,
    VisaStep,
    VisaStepRole,
    VisaStepState,
)


def my_queue(user: Any) -> list[VisaStep]:
    """My current steps, the most urgent mail first."""
    return list(
        VisaStep.objects.filter(user=user, state=VisaStepState.CURRENT)
        .select_related("mail", "mail__destination_entity", "draft")
        .order_by("mail__due_date", "mail__arrival_date", "pk")
    )


def _pdf_version(step: VisaStep) -> AttachmentVersion | None:
    if step.draft is None:
        return None
    try:
        return ready_version(step.draft)
    except ValidationError:
        return None


@login_required
def signature_book(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    queue = my_queue(user)
    return render(
        request,
        "visa/book.html",
        {
            "queue": queue,
            "to_visa": [s for s in queue if s.role == VisaStepRole.VISA],
            "to_sign": [s for s in queue if s.role == VisaStepRole.SIGNATURE],
            "has_key": SigningKey.objects.filter(user=user).exists(),
        },
    )


@login_required
def signature_book_mail(request: HttpRequest, pk: int) -> HttpResponse:
    """One draft of my queue: the PDF large, the rest beside it, previous and next at hand."""
    user = _user(request)
    queue = my_queue(user)
    position = next((i for i, s in enumerate(queue) if s.mail_id == pk), None)
    if position is None:
        raise Http404("Not waiting for you")  # decided already, or never yours
    step = queue[position]
    mail = step.mail
    sender = mail.mail_contacts.filter(role=ContactRole.SENDER).select_related("contact").first()
    return render(
        request,
        "visa/book_mail.html",
        {
            "step": step,
            "mail": mail,
            "sender": sender.contact if sender else None,
            "version": _pdf_version(step),
            "steps": VisaStep.objects.filter(mail=mail).select_related("user").order_by("position"),
            "notes": visible_notes(user, mail),
            "attachments": mail.attachments.exclude(kind__code=REPLY_KIND).select_related("kind"),
            "previous": queue[position - 1] if position > 0 else None,
            "next": queue[position + 1] if position + 1 < len(queue) else None,
            "position": position + 1,
            "count": len(queue),
            "has_key": SigningKey.objects.filter(user=user).exists(),
            **_annotations(step),
        },
    )


def _annotations(step: VisaStep) -> dict[str, Any]:
    """The comments written on the version being read, its pages, and its annotated copy."""
    version = _pdf_version(step)
    if version is None or step.draft is None:
        return {}
    notes = DraftAnnotation.objects.filter(draft=step.draft, version=version.number)
    copy = annotated_copy_of(step.draft, version.number) if notes else None
    try:
        pages = len(PdfReader(version.readable_pdf).pages)
    except (PdfReadError, OSError, ValueError):
        pages = 1
    return {
        "annotations": notes.select_related("author"),
        "annotated_copy": copy,
        "pages": range(1, pages + 1),
        "places": AnnotationPlace.choices,
    }


@login_required
@require_POST
def annotate_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment on the draft being read; back to where it was written from."""
    user = _user(request)
    mail = get_object_or_404(visible_mails(user), pk=pk)
    try:
        annotate(
            actor=user,
            mail=mail,
            page=as_id(request.POST.get("page")),
            text=request.POST.get("text", ""),
            place=request.POST.get("place", AnnotationPlace.TOP),
        )
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(
            request, _("Annotation added: the annotated copy is in the mail's attachments.")
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("mail_detail", args=[mail.pk]) + "?tab=reply"
    return HttpResponseRedirect(back)


def _decide(request: HttpRequest, mail: Mail, decision: str, password: str) -> None:
    user = _user(request)
    if decision == "approve":
        services.approve(actor=user, mail=mail, comment=request.POST.get("note", ""))
    elif decision == "reject":
        services.reject(
            actor=user,
            mail=mail,
            note=request.POST.get("note", ""),
            to_previous=request.POST.get("to") == "previous",
        )
    elif decision == "sign":
        services.sign(
            actor=user, mail=mail, password=password, use_seal=request.POST.get("seal") == "1"
        )
    else:
        raise PermissionDenied(_("Unknown decision."))


@login_required
@require_POST
def signature_book_batch(request: HttpRequest) -> HttpResponse:
    """Visa or sign the chosen drafts in a row (one key password for all): each mail in its
    own transaction, checked and journaled; the refusals are named by chrono number. With
    one mail and "reject", it is the single decision of the book's page."""
    user = _user(request)
    decision = request.POST.get("decision", "")
    if decision not in {"approve", "sign", "reject"}:
        raise PermissionDenied(_("Unknown decision."))
    waiting = {s.mail_id: s for s in my_queue(user)}
    chosen = [waiting[i] for i in posted_ids(request, "mails") if i in waiting]
    if decision == "sign" and chosen and request.POST.get("confirmed") != "1":
        # a batch of signatures first shows what it will sign, then asks for the key
        return render(
            request,
            "visa/book_confirm.html",
            {"chosen": chosen, "has_key": SigningKey.objects.filter(user=user).exists()},
        )
    password = request.POST.get("password", "")
    done, refused = 0, []
    for step in chosen:
        try:  # each service keeps its own transaction (a signature's network call, none)
            _decide(request, step.mail, decision, password)
            done += 1
        except (PermissionDenied, ValidationError) as exc:
            refused.append(f"{step.mail.chrono_number} : {refusal_text(exc)}")
    if done:
        messages.success(
            request,
            {
                "approve": ngettext("%(n)s visa given.", "%(n)s visas given.", done),
                "sign": ngettext("%(n)s reply signed.", "%(n)s replies signed.", done),
                "reject": ngettext("%(n)s draft sent back.", "%(n)s drafts sent back.", done),
            }[decision]
            % {"n": done},
        )
    for refusal in refused:
        messages.error(request, refusal)
    if not chosen:
        messages.warning(request, _("No draft chosen, or none is waiting for you any more."))
    after = request.POST.get("then", "")
    remaining = my_queue(user)
    if after == "next" and remaining:
        return HttpResponseRedirect(reverse("signature_book_mail", args=[remaining[0].mail_id]))
    return HttpResponseRedirect(reverse("signature_book"))
