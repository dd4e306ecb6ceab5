"""Web shell: home with baskets, basket lists, mail detail and its files."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django_htmx.middleware import HtmxDetails

from courrier.baskets import basket_mails, baskets_for
from courrier.models import AttachmentVersion, Category, MailStatus, User
from courrier.selectors import (
    get_visible_mail_or_404,
    mail_history,
    visible_mails,
    visible_notes,
)

SORTS = {
    "arrival": ("arrival_date", "id"),
    "-arrival": ("-arrival_date", "-id"),
    "due": ("due_date", "id"),
    "-due": ("-due_date", "-id"),
    "chrono": ("chrono_number",),
    "-chrono": ("-chrono_number",),
}
TABS = ("document", "info", "diffusion", "notes", "attachments", "history")
WORKFLOW_ACTIONS = (
    "mail.registered",
    "mail.qualified",
    "mail.assigned",
    "mail.closed",
    "visa.circuit_started",
)


class BannetteRequest(HttpRequest):
    htmx: HtmxDetails


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    baskets = [(b, basket_mails(b, user).count()) for b in baskets_for(user)]
    return render(request, "courrier/home.html", {"baskets": baskets})


@login_required
def basket_list(request: BannetteRequest, code: str) -> HttpResponse:
    user = _user(request)
    basket = get_object_or_404(baskets_for(user), code=code)
    mails = basket_mails(basket, user).select_related("document_type", "destination_entity")
    query = request.GET.get("q", "").strip()
    if query:
        mails = mails.filter(Q(subject__icontains=query) | Q(chrono_number__icontains=query))
    if request.GET.get("category") in Category.values:
        mails = mails.filter(category=request.GET["category"])
    sort = request.GET.get("sort", "-arrival")
    mails = mails.order_by(*SORTS.get(sort, SORTS["-arrival"]))
    page = Paginator(mails, settings.BANNETTE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "basket": basket,
        "page": page,
        "query": query,
        "sort": sort,
        "category": request.GET.get("category", ""),
        "categories": Category.choices,
    }
    template = "courrier/_basket_rows.html" if request.htmx else "courrier/basket.html"
    return render(request, template, context)


@login_required
def mail_detail(request: BannetteRequest, pk: int) -> HttpResponse:
    user = _user(request)
    mail = get_visible_mail_or_404(user, pk)
    tab = request.GET.get("tab", "document")
    if tab not in TABS:
        tab = "document"
    events = mail_history(mail).select_related("actor")
    full_history = request.GET.get("full") == "1"
    if not full_history:
        events = events.filter(action__in=WORKFLOW_ACTIONS)
    context = {
        "mail": mail,
        "tab": tab,
        "tabs": TABS,
        "contacts": mail.mail_contacts.select_related("contact", "address"),
        "diffusion": mail.diffusion_entries.select_related("entity", "user"),
        "notes": visible_notes(user, mail),
        "attachments": mail.attachments.select_related("kind").prefetch_related("versions"),
        "events": events,
        "full_history": full_history,
        "linked": visible_mails(user).filter(pk__in=mail.linked_mails.values("pk")),
        "is_closed": mail.status == MailStatus.CLOSED,
    }
    template = f"courrier/tabs/{tab}.html" if request.htmx else "courrier/mail_detail.html"
    return render(request, template, context)


def _download(field: FieldFile, name: str, *, inline_pdf: bool = False) -> FileResponse:
    """Serve stored content safely: only a real PDF is shown inline, anything else downloads."""
    handle = field.open("rb")
    is_pdf = inline_pdf and handle.read(5) == b"%PDF-"
    handle.seek(0)
    response = FileResponse(handle, as_attachment=not is_pdf, filename=name)
    response["Content-Type"] = "application/pdf" if is_pdf else "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def mail_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    mail = get_visible_mail_or_404(_user(request), pk)
    if kind == "pdf":
        field = mail.searchable_pdf or mail.original
        return _download(field, f"{mail.chrono_number or mail.pk}.pdf", inline_pdf=True)
    if kind == "original" and mail.original:
        return _download(mail.original, mail.original_name or "original")
    if kind == "thumbnail" and mail.thumbnail:
        handle = mail.thumbnail.open("rb")
        response = FileResponse(handle, content_type="image/png")
        response["X-Content-Type-Options"] = "nosniff"
        return response
    raise Http404("No such file")


@login_required
def attachment_file(request: HttpRequest, pk: int, number: int) -> FileResponse:
    version = get_object_or_404(
        AttachmentVersion.objects.select_related("attachment"), attachment_id=pk, number=number
    )
    get_visible_mail_or_404(_user(request), version.attachment.mail_id)
    return _download(version.file, version.file_name, inline_pdf=True)
