"""Search screens: quick search, advanced search, saved searches, CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from courrier.models import Mail
from courrier.selectors import visible_mails
from courrier.spreadsheets import csv_writer
from courrier.views.common import _user
from indexing.forms import SearchForm
from indexing.models import SavedSearch
from indexing.query import SearchQuery
from indexing.services import search

PAGE_SIZE = 20
CSV_LIMIT = 10000


@login_required
def quick_search(request: HttpRequest) -> HttpResponse:
    """A chrono number opens its mail; anything else becomes a full-text search."""
    text = request.GET.get("q", "").strip()
    mail = (
        visible_mails(_user(request)).filter(chrono_number__iexact=text).first() if text else None
    )
    if mail is not None:
        return redirect("mail_detail", pk=mail.pk)
    return redirect(f"{reverse('search')}?{urlencode({'text': text})}")


def _mails_in_order(request: HttpRequest, ids: list[int]) -> list[Mail]:
    # The index already filtered by perimeter; the database checks again (defence in depth).
    found = (
        visible_mails(_user(request), among=ids)
        .select_related("document_type", "destination_entity")
        .in_bulk(ids)
    )
    return [found[i] for i in ids if i in found]


@login_required
def search_page(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, object] = {
        "form": form,
        "saved": SavedSearch.objects.filter(user=_user(request)),
    }
    if form.is_bound and form.is_valid() and not form.to_query().empty:
        query = form.to_query()
        if request.GET.get("format") == "csv":
            return _csv(request, query)
        page = (
            max(1, int(request.GET.get("page", "1") or 1))
            if request.GET.get("page", "1").isdigit()
            else 1
        )
        results = search(_user(request), query, page=page, page_size=PAGE_SIZE)
        mails = _mails_in_order(request, [h.mail_id for h in results.hits])
        snippets = {h.mail_id: h.snippet for h in results.hits}
        params = request.GET.copy()
        params.pop("page", None)
        context.update(
            results=[(m, snippets.get(m.pk, "")) for m in mails],
            total=results.total,
            exact=results.exact,
            page=page,
            pages=(results.total + PAGE_SIZE - 1) // PAGE_SIZE,
            params=params.urlencode(),
        )
    return render(request, "indexing/search.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(request: HttpRequest, query: SearchQuery) -> StreamingHttpResponse:
    results = search(_user(request), query, page=1, page_size=CSV_LIMIT)
    mails = _mails_in_order(request, [h.mail_id for h in results.hits])
    writer = csv_writer(_Echo())
    fields = [
        "chrono_number",
        "subject",
        "category",
        "status",
        "document_type",
        "destination_entity",
        "arrival_date",
        "due_date",
    ]
    header = [str(getattr(Mail._meta.get_field(name), "verbose_name", name)) for name in fields]
    rows: Iterator[list[str]] = (
        [
            m.chrono_number or "",
            m.subject,
            m.get_category_display(),
            m.get_status_display(),
            m.document_type.label if m.document_type else "",
            str(m.destination_entity or ""),
            m.arrival_date.isoformat(),
            m.due_date.isoformat() if m.due_date else "",
        ]
        for m in mails
    )
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in [header, *rows]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="recherche.csv"'
    return response


@login_required
@require_POST
def save_search(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:100]
    query_string = request.POST.get("query_string", "")[:2000]
    if name and query_string:
        SavedSearch.objects.update_or_create(
            user=_user(request), name=name, defaults={"query_string": query_string}
        )
    return redirect(f"{reverse('search')}?{query_string}")


@login_required
@require_POST
def delete_search(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(SavedSearch, pk=pk, user=_user(request)).delete()
    return redirect("search")
