"""The register of outgoing post: what left on paper, by day, with its recipient's address."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from courrier.models import Category, Channel, ContactRole
from courrier.selectors import visible_mails
from courrier.services.contacts import postal_lines
from courrier.spreadsheets import csv_writer
from courrier.views.common import _user


def _day(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
def post_register(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start = _day(request.GET.get("from"), today - datetime.timedelta(days=30))
    end = _day(request.GET.get("to"), today)
    mails = (
        visible_mails(_user(request))
        .filter(category=Category.OUTGOING, channel=Channel.PAPER, arrival_date__range=(start, end))
        .prefetch_related("mail_contacts__contact", "mail_contacts__address")
        .order_by("arrival_date", "chrono_number")
    )
    rows = []
    for mail in mails:
        link = next((c for c in mail.mail_contacts.all() if c.role == ContactRole.RECIPIENT), None)
        rows.append((mail, postal_lines(link.contact, link.address) if link else []))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="registre-depart-{start}-{end}.csv"'
        )
        writer = csv_writer(response)
        writer.writerow(["date", "chrono", "objet", "destinataire"])
        for mail, block in rows:
            writer.writerow(
                [mail.arrival_date.isoformat(), mail.chrono_number, mail.subject, " / ".join(block)]
            )
        return response
    return render(
        request, "courrier/post_register.html", {"rows": rows, "start": start, "end": end}
    )
