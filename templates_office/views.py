"""Template previews for administrators; acknowledgment letters and attestations to print."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courrier.models import NoticeKind
from courrier.selectors import get_visible_mail_or_404
from courrier.views.common import _user
from templates_office import letters
from templates_office.catalogue import sample_context
from templates_office.convert import ConversionFailed, to_pdf
from templates_office.merge import TemplateProblem, merge
from templates_office.models import OfficeTemplate

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@staff_member_required
def preview(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    template = get_object_or_404(OfficeTemplate, pk=pk)
    with template.file.open("rb") as handle:
        source = handle.read()
    try:
        merged = merge(source, sample_context())
        content, mime, suffix = (
            (to_pdf(merged, ".docx"), "application/pdf", "pdf")
            if fmt == "pdf"
            else (merged, DOCX, "docx")
        )
    except (TemplateProblem, ConversionFailed) as exc:
        return HttpResponse(str(exc), status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="apercu-{template.pk}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf_download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def acknowledgment_batch(request: HttpRequest) -> HttpResponse:
    """The day's paper post still without an acknowledgment, printed in one PDF."""
    if not request.user.has_perm("courrier.qualify_mail"):
        raise PermissionDenied
    user = _user(request)
    day = _day(request.GET.get("day", "")) or timezone.localdate()
    waiting = letters.awaiting_paper_acknowledgment(user, day)
    others = letters.letters_waiting(user)
    if request.method == "POST":
        wanted = request.POST.getlist("mail")
        chosen = (waiting.filter(pk__in=wanted) | others.filter(pk__in=wanted)).distinct()
        try:
            printed = letters.print_acknowledgments(actor=user, mails=list(chosen))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect(f"{reverse('acknowledgment_batch')}?day={day:%Y-%m-%d}")
        for mail, reason in printed.refused:
            messages.warning(request, f"{mail.chrono_number} : {reason}")
        if printed.pdf:
            return _pdf_download(printed.pdf, f"accuses-de-reception-{day:%Y-%m-%d}.pdf")
        messages.info(request, _("No acknowledgment was printed."))
        return redirect(f"{reverse('acknowledgment_batch')}?day={day:%Y-%m-%d}")
    return render(
        request,
        "templates_office/acknowledgments.html",
        {"day": day, "mails": waiting, "letters": others},
    )


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_POST
def acknowledgment_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """One mail's acknowledgment letter, printed now and kept with the mail."""
    user = _user(request)
    mail = get_object_or_404(letters.printable_mails(user), pk=pk)
    letter_kind = letters.letter_kind(mail)
    try:
        printed = letters.print_acknowledgments(actor=user, mails=[mail])
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("mail_detail", pk=pk)
    if not printed.pdf:
        messages.error(request, printed.refused[0][1])
        return redirect("mail_detail", pk=pk)
    stem = (mail.chrono_number or str(mail.pk)).replace("/", "-")
    name = letters.LETTER_FILE_NAMES[NoticeKind(letter_kind)].removesuffix(".pdf")
    return _pdf_download(printed.pdf, f"{name}-{stem}.pdf")


@login_required
@require_POST
def attestation(request: HttpRequest, pk: int) -> HttpResponse:
    """The attestation of an implicit acceptance (CRPA L232-3)."""
    user = _user(request)
    mail = get_visible_mail_or_404(user, pk)
    try:
        pdf = letters.issue_attestation(actor=user, mail=mail)
    except (ValidationError, PermissionDenied) as exc:
        text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text or _("You cannot do this."))
        return redirect("mail_detail", pk=pk)
    stem = (mail.chrono_number or str(mail.pk)).replace("/", "-")
    return _pdf_download(pdf, f"attestation-{stem}.pdf")
