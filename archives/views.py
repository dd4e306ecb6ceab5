"""The archivists' screens: the probative journal in words, and its export packages."""

from __future__ import annotations

import datetime
import hashlib
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from archives import personal_data as personal_data_service
from archives import retention, services, transfers
from archives.evidence import evidence_package
from archives.journal_package import VERIFIER, PackageUnprovable
from archives.models import (
    ArchiveAgreement,
    EliminationCertificate,
    EliminationProposal,
    ExportStatus,
    JournalExport,
    LegalHold,
    ProposalStatus,
    Transfer,
)
from courrier.extensions import journal_action, journal_action_codes
from courrier.journal_text import readable_events
from courrier.models import Contact, Entity, Folder, JournalEvent, Mail, User
from courrier.selectors import descendant_ids, get_visible_mail_or_404, visible_mails
from courrier.spreadsheets import csv_writer
from courrier.views.common import _user

PAGE = 50


def _archivist(request: HttpRequest) -> User:
    user = _user(request)
    if not user.has_perm("courrier.export_journal"):
        raise PermissionDenied
    return user


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def journal_events(user: User, query: QueryDict) -> QuerySet[JournalEvent]:
    """The events the filters name, without those about a mail the user may not open."""
    events = JournalEvent.objects.filter(
        Q(mail__isnull=True) | Q(mail_id__in=visible_mails(user).values("pk"))
    )
    since, until = _day(query.get("since", "")), _day(query.get("until", ""))
    start, end = services.local_bounds(since, until)
    if start:
        events = events.filter(timestamp__gte=start)
    if end:
        events = events.filter(timestamp__lt=end)
    chrono, actor = query.get("chrono", "").strip(), query.get("actor", "").strip()
    if chrono:
        events = events.filter(mail__chrono_number=chrono)
    if actor:
        events = events.filter(actor_name=actor)
    if query.get("action"):
        events = events.filter(action=query["action"])
    entity = query.get("entity", "")
    if entity.isdigit():
        events = events.filter(mail__destination_entity_id__in=descendant_ids([int(entity)]))
    return events


@login_required
def journal(request: HttpRequest) -> HttpResponse:
    """Newest first, fifty at a time; pages follow event numbers, so that the millionth event
    opens as fast as the first (no count, no offset)."""
    user = _archivist(request)
    events = journal_events(user, request.GET)
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(seq__lt=int(before))
    page = list(events.order_by("-seq")[: PAGE + 1])
    query = request.GET.copy()
    query.pop("before", None)
    actions = sorted(
        ((code, str(journal_action(code).label)) for code in journal_action_codes()),  # type: ignore[union-attr]
        key=lambda pair: pair[1],
    )
    chrono = request.GET.get("chrono", "").strip()
    context: dict[str, Any] = {
        "evidence_mail": visible_mails(user).filter(chrono_number=chrono).first()
        if chrono
        else None,
        "events": readable_events(page[:PAGE]),
        "next_before": page[PAGE - 1].seq if len(page) > PAGE else None,
        "query": query.urlencode(),
        "filters": request.GET,
        "actions": actions,
        "entities": Entity.objects.filter(active=True).order_by("label"),
    }
    return render(request, "archives/journal.html", context)


@login_required
def mail_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """One mail's evidence package (preuve.json, attestation, verifier), if she may open it."""
    user = _archivist(request)
    mail = get_visible_mail_or_404(user, pk)
    try:
        package = evidence_package(mail, user)
    except PackageUnprovable as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('archives_journal')}?chrono={mail.chrono_number}")
    response = HttpResponse(package, content_type="application/zip")
    name = (mail.chrono_number or str(mail.pk)).replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="preuve-{name}.zip"'
    return response


@login_required
def exports(request: HttpRequest) -> HttpResponse:
    user = _archivist(request)
    if request.method == "POST":
        since, until = _day(request.POST.get("since", "")), _day(request.POST.get("until", ""))
        if since and until and since > until:
            return render(
                request,
                "archives/exports.html",
                _exports_context(user) | {"error": _("The first day comes after the last.")},
                status=400,
            )
        services.request_export(actor=user, since=since, until=until)
        return redirect("archives_exports")
    return render(request, "archives/exports.html", _exports_context(user))


def _exports_context(user: User) -> dict[str, Any]:
    listed = JournalExport.objects.select_related("requested_by")[:30]
    return {
        "exports": listed,
        "building": any(e.status == ExportStatus.WAITING for e in listed),
        "verifier_sha256": verifier_digest(),
        "authority": bool(settings.BANNETTE_TSA_URL),
    }


def verifier_digest() -> str:
    return hashlib.sha256(VERIFIER.read_bytes()).hexdigest()


def verifier_download(request: HttpRequest) -> HttpResponse:
    """The standalone verifier on its own, for anyone (it is public code): the copy an
    archivist runs, rather than the one that travels in a package."""
    response = HttpResponse(VERIFIER.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify.py"'
    response["X-Content-SHA256"] = verifier_digest()
    return response


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    _archivist(request)
    export = get_object_or_404(JournalExport, pk=pk, status=ExportStatus.READY)
    name = f"journal-{export.since or 'origine'}-{export.until or export.finished_at:%Y-%m-%d}.zip"
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip"
    )


RETENTION_STATUSES = (
    ProposalStatus.PROPOSED,
    ProposalStatus.APPROVED,
    ProposalStatus.POSTPONED,
)


@login_required
def eliminations(request: HttpRequest) -> HttpResponse:
    """Elimination proposals to review, approve or postpone; the approved ones eliminated with
    a certificate; legal holds."""
    user = _archivist(request)
    if request.method == "POST":
        return _decide(request, user)
    status = request.GET.get("status", ProposalStatus.PROPOSED)
    proposals = retention.proposals_for_review().filter(status=status)
    if request.GET.get("format") == "csv":
        return _proposals_csv(proposals)
    counts = {
        code: retention.proposals_for_review().filter(status=code).count()
        for code in RETENTION_STATUSES
    }
    return render(
        request,
        "archives/eliminations.html",
        {
            "status": status,
            "statuses": [(code, ProposalStatus(code).label, counts[code]) for code in counts],
            "proposals": proposals[:500],
            "certificates": EliminationCertificate.objects.select_related("made_by")[:20],
            "holds": LegalHold.objects.filter(lifted_at__isnull=True).select_related(
                "mail", "folder", "placed_by"
            ),
            "folders": Folder.objects.order_by("label"),
        },
    )


def _decide(request: HttpRequest, user: User) -> HttpResponse:
    action = request.POST.get("action", "")
    chosen = retention.proposals_for_review().filter(pk__in=request.POST.getlist("proposal"))
    try:
        if action == "approve":
            done = retention.approve(
                actor=user, proposals=chosen, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("%(n)s elimination(s) approved.") % {"n": done})
        elif action == "postpone":
            until = _day(request.POST.get("until", ""))
            if until is None:
                raise ValidationError(_("Say until when."))
            done = retention.postpone(
                actor=user, proposals=chosen, until=until, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("%(n)s proposal(s) postponed.") % {"n": done})
        elif action == "eliminate":
            certificate = retention.eliminate_approved(actor=user)
            if certificate is None:
                messages.info(request, _("No approved mail to eliminate."))
            else:
                messages.success(
                    request,
                    _("%(n)s mail(s) eliminated; certificate no. %(c)s.")
                    % {"n": certificate.mails, "c": certificate.pk},
                )
        elif action == "hold":
            chrono = request.POST.get("chrono", "").strip()
            folder_pk = request.POST.get("folder", "")
            mail = get_visible_mail_or_404_by_chrono(user, chrono) if chrono else None
            folder = Folder.objects.filter(pk=folder_pk).first() if folder_pk.isdigit() else None
            if (mail is None) == (folder is None):
                raise ValidationError(_("Name one mail (its chrono number) or one folder."))
            retention.place_hold(
                actor=user, reason=request.POST.get("reason", ""), mail=mail, folder=folder
            )
            messages.success(request, _("Legal hold placed."))
        elif action == "lift":
            hold = get_object_or_404(LegalHold, pk=request.POST.get("hold"), lifted_at__isnull=True)
            retention.lift_hold(actor=user, hold=hold)
            messages.success(request, _("Legal hold lifted."))
        else:
            raise PermissionDenied
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(f"{request.path}?status={request.POST.get('status', 'proposed')}")


def get_visible_mail_or_404_by_chrono(user: User, chrono: str) -> Mail:
    mail = visible_mails(user).filter(chrono_number=chrono).first()
    if mail is None:
        raise ValidationError(_("No mail %(chrono)s in your perimeter.") % {"chrono": chrono})
    return mail


def _proposals_csv(proposals: QuerySet[EliminationProposal]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(
        [
            _("Chrono number"),
            _("Document type"),
            _("Destination entity"),
            _("Arrival date"),
            _("Closing date"),
            _("Retention ended on"),
            _("To sort"),
            _("Status"),
            _("Postponed until"),
        ]
    )
    for proposal in proposals.iterator():
        mail = proposal.mail
        writer.writerow(
            [
                mail.chrono_number,
                str(mail.document_type or ""),
                str(mail.destination_entity or ""),
                mail.arrival_date.isoformat(),
                timezone.localdate(mail.closing_date).isoformat() if mail.closing_date else "",
                proposal.retention_end.isoformat(),
                _("yes") if proposal.to_sort else _("no"),
                proposal.get_status_display(),
                proposal.postponed_until.isoformat() if proposal.postponed_until else "",
            ]
        )
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="propositions-elimination.csv"'
    return response


@login_required
def certificate_download(request: HttpRequest, pk: int) -> FileResponse:
    _archivist(request)
    certificate = get_object_or_404(EliminationCertificate, pk=pk)
    return FileResponse(
        certificate.file.open("rb"),
        as_attachment=True,
        filename=f"certificat-elimination-{certificate.pk}.pdf",
        content_type="application/pdf",
    )


@login_required
def transfers_screen(request: HttpRequest) -> HttpResponse:
    """The mail to keep whose retention ended, sent to the archives in SEDA packages; the
    transfers and the archive service's replies."""
    user = _archivist(request)
    agreements = ArchiveAgreement.objects.filter(active=True)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "replies":
                for agreement in agreements:
                    run = transfers.read_replies(agreement)
                    messages.info(request, f"{agreement} : {_describe_run(run)}")
            else:
                agreement = get_object_or_404(agreements, pk=request.POST.get("agreement"))
                chosen = list(transfers.transferable().filter(pk__in=request.POST.getlist("mail")))
                sent = transfers.send_transfer(actor=user, agreement=agreement, mails=chosen)
                messages.success(
                    request,
                    _("Transfer %(id)s sent: %(n)s mail(s).")
                    % {"id": sent.identifier, "n": len(chosen)},
                )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("archives_transfers")
    return render(
        request,
        "archives/transfers.html",
        {
            "candidates": transfers.transferable()[:500],
            "agreements": agreements,
            "transfers": Transfer.objects.select_related("agreement", "made_by")[:50],
        },
    )


def _describe_run(run: transfers.ReplyRun) -> str:
    return _(
        "%(read)s reply(ies) read, %(accepted)s accepted, %(rejected)s rejected, %(errors)s set aside"
    ) % {
        "read": run.read,
        "accepted": run.accepted,
        "rejected": run.rejected,
        "errors": run.errors,
    }


@login_required
def transfer_file(request: HttpRequest, pk: int, which: str) -> FileResponse:
    _archivist(request)
    transfer = get_object_or_404(Transfer, pk=pk)
    file = transfer.package if which == "package" else transfer.reply
    if which not in ("package", "reply") or not file:
        raise PermissionDenied
    suffix = "zip" if which == "package" else "xml"
    return FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=f"{transfer.identifier}-{which}.{suffix}",
        content_type="application/zip" if suffix == "zip" else "application/xml",
    )


@login_required
def personal_data(request: HttpRequest) -> HttpResponse:
    """Right of access: find a person, export what Bannette holds about them."""
    _archivist(request)
    query = request.GET.get("q", "").strip()
    contacts = (
        Contact.objects.filter(
            Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(email__icontains=query)
            | Q(organisation_name__icontains=query)
        ).order_by("last_name", "first_name")[:50]
        if len(query) >= 2
        else []
    )
    return render(request, "archives/personal_data.html", {"q": query, "contacts": contacts})


@login_required
def subject_access(request: HttpRequest, pk: int) -> HttpResponse:
    user = _archivist(request)
    contact = get_object_or_404(Contact, pk=pk)
    response = HttpResponse(
        personal_data_service.subject_access_package(contact, user), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="droit-acces-{contact.pk}.zip"'
    return response
