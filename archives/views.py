"""The archivists' screens: the probative journal in words, and its export packages."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from archives import services
from archives.evidence import evidence_package
from archives.models import ExportStatus, JournalExport
from courrier.extensions import journal_action, journal_action_codes
from courrier.journal_text import readable_events
from courrier.models import Entity, JournalEvent, User
from courrier.selectors import descendant_ids, get_visible_mail_or_404, visible_mails
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
    response = HttpResponse(evidence_package(mail, user), content_type="application/zip")
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
    }


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    _archivist(request)
    export = get_object_or_404(JournalExport, pk=pk, status=ExportStatus.READY)
    name = f"journal-{export.since or 'origine'}-{export.until or export.finished_at:%Y-%m-%d}.zip"
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip"
    )
