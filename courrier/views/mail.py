"""Web shell: home with baskets, basket lists, mail detail and its files."""

from __future__ import annotations

import io
from collections.abc import Sized
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from courrier.basket_lists import (
    PagedByIds,
    deadline_counts,
    list_choices,
    settings_for,
    with_list_columns,
)
from courrier.baskets import active_delegations, basket_mails, baskets_for, unread_copy_q
from courrier.extensions import home_panels, mail_tabs, workflow_actions
from courrier.html_options import checkboxes, entity_options, people_options
from courrier.journal_text import readable_events
from courrier.models import (
    AttachmentKind,
    AttachmentVersion,
    Basket,
    FollowedMail,
    Mail,
    MailStatus,
    User,
)
from courrier.routing_slip import routing_slip
from courrier.selectors import can_process_mail, mail_history, visible_mails, visible_notes
from courrier.services.actions import Acting, basket_actions, mail_actions
from courrier.services.circulation import diffusion_templates_for, note_templates_for
from courrier.services.locks import current_lock, take_lock
from courrier.services.processing import folders_for, redirect_targets
from courrier.views.common import (
    BannetteRequest,
    _user,
    acting_on_mail,
    shown_in_own_frames,
    standing_in_for,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    baskets = [(b, deadline_counts(basket_mails(b, user))) for b in baskets_for(user)]
    delegated = [
        (d, deadline_counts(basket_mails(d.basket, d.absence.user)))
        for d in active_delegations(user)
    ]
    panels = home_panels(user)
    followed = FollowedMail.objects.filter(user=user).exclude(mail__status=MailStatus.CLOSED)
    return render(
        request,
        "courrier/home.html",
        {
            "baskets": baskets,
            "delegated": delegated,
            "panels": panels,
            "following": followed.count() if baskets else None,
        },
    )


def basket_owner(request: HttpRequest, code: str) -> tuple[Basket, User, User | None]:
    """The basket, whose mail it lists, and the absent colleague when standing in (else None)."""
    user = _user(request)
    absent_name = standing_in_for(request)
    if absent_name and absent_name != user.username:
        delegation = (
            active_delegations(user)
            .filter(absence__user__username=absent_name, basket__code=code)
            .first()
        )
        if delegation is None:
            raise Http404("No such basket")
        return delegation.basket, delegation.absence.user, delegation.absence.user
    return get_object_or_404(baskets_for(user), code=code), user, None


@login_required
def basket_list(request: BannetteRequest, code: str) -> HttpResponse:
    basket, owner, absent = basket_owner(request, code)
    chosen = settings_for(_user(request), basket.code, request.GET)
    mails = with_list_columns(chosen.apply(basket_mails(basket, owner)))
    page = PagedByIds(mails, chosen.page_size).get_page(request.GET.get("page"))
    on_page = Mail.objects.filter(unread_copy_q(owner), pk__in=[m.pk for m in page])
    opens_on = next((t.code for t in mail_tabs() if basket.code in t.opened_from_baskets), "")
    link = {"tab": opens_on, "for": absent.username if absent else ""}
    link = {k: v for k, v in link.items() if v}
    context = {
        "basket": basket,
        "absent": absent,
        "link_query": "?" + urlencode(link) if link else "",
        "page": page,
        "unread": set(on_page.values_list("pk", flat=True)),
        "chosen": chosen,
        "list_query": urlencode({**chosen.to_query(), **link}),
        "choices": list_choices(chosen),
        "batch_actions": [a for a in basket_actions(basket, owner) if a.code != "link"],
        "target_options": entity_options(redirect_targets(owner)),
        "folders": folders_for(owner),
        "qualify": basket.code == "to_qualify",
    }
    template = "courrier/_basket_rows.html" if request.htmx else "courrier/basket.html"
    return render(request, template, context)


def _lock_for(acting: Acting, mail: Mail) -> tuple[Any, bool]:
    """Take the processing lock when the mail is the user's to work on; say who holds it."""
    principal = acting.principal
    workable = (
        mail.status != MailStatus.CLOSED
        and principal.has_perm("courrier.process_mail")
        and can_process_mail(principal, mail)
    )
    lock = take_lock(user=acting.actor, mail=mail) if workable else current_lock(mail)
    held_by_other = lock is not None and lock.active and lock.user_id != acting.actor.pk
    return lock, held_by_other


@login_required
def mail_detail(request: BannetteRequest, pk: int) -> HttpResponse:
    acting, mail = acting_on_mail(request, pk)
    principal = acting.principal
    tabs = {t.code: t for t in mail_tabs()}
    tab = tabs.get(request.GET.get("tab", ""), tabs["document"])
    events = mail_history(mail).select_related("actor")
    full_history = request.GET.get("full") == "1"
    if not full_history:
        events = events.filter(action__in=workflow_actions())
    lock, locked_by_other = _lock_for(acting, mail) if not request.htmx else (None, False)
    targets = list(redirect_targets(principal))
    # People a mail can be sent to: those who process mail in the entities one may redirect
    # to (not the archivists nor the administrators), grouped by their entity.
    people = (
        User.objects.filter(
            is_active=True,
            groups__permissions__codename="process_mail",
            primary_entity__in=targets,
            service_account__isnull=True,  # applications are not colleagues
        )
        .distinct()
        .order_by("primary_entity__label", "primary_entity", "last_name", "first_name")
    )
    context = {
        "mail": mail,
        "acting": acting,
        "for_user": acting.on_behalf_of.username if acting.on_behalf_of else "",
        "tab": tab.code,
        "lock": lock,
        "locked_by_other": locked_by_other,
        "lock_poll_seconds": settings.BANNETTE_LOCK_POLL_SECONDS,
        "actions": mail_actions(mail, principal),
        "followed": FollowedMail.objects.filter(user=acting.actor, mail=mail).exists(),
        "targets": targets,
        "target_options": entity_options(targets),
        "people_options": people_options(people),
        "restricted_checkboxes": checkboxes("restricted_to", targets),
        "folders": folders_for(principal),
        "contacts": mail.mail_contacts.select_related("contact", "address"),
        "diffusion": mail.diffusion_entries.select_related("entity", "user"),
        "diffusion_templates": diffusion_templates_for(
            entity=mail.destination_entity, document_type=mail.document_type
        ),
        "notes": visible_notes(principal, mail),
        "note_templates": note_templates_for(principal),
        "attachments": mail.attachments.select_related("kind", "recipient").prefetch_related(
            "versions"
        ),
        "attachment_kinds": AttachmentKind.objects.all(),
        "events": readable_events(events) if tab.code == "history" else [],
        "full_history": full_history,
        "linked": visible_mails(principal).filter(pk__in=mail.linked_mails.values("pk")),
        "is_closed": mail.status == MailStatus.CLOSED,
    }
    if tab.context is not None:
        context.update(tab.context(acting, mail))
    context["tab_template"] = tab.template
    context["tabs"] = [
        (t, len(cast(Sized, context[t.count])) if t.count else None, t.label_for(mail))
        for t in tabs.values()
    ]
    return render(request, tab.template if request.htmx else "courrier/mail_detail.html", context)


def safe_download(field: FieldFile, name: str, *, inline_pdf: bool = False) -> FileResponse:
    """Serve stored content safely: only a real PDF is shown inline, anything else downloads."""
    handle = field.open("rb")
    is_pdf = inline_pdf and handle.read(5) == b"%PDF-"
    handle.seek(0)
    response = FileResponse(handle, as_attachment=not is_pdf, filename=name)
    response["Content-Type"] = "application/pdf" if is_pdf else "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@shown_in_own_frames
@login_required
def mail_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    _acting, mail = acting_on_mail(request, pk)
    if kind == "pdf":
        field = mail.searchable_pdf or mail.original
        return safe_download(field, f"{mail.chrono_number or mail.pk}.pdf", inline_pdf=True)
    if kind == "original" and mail.original:
        return safe_download(mail.original, mail.original_name or "original")
    if kind == "routing-slip":
        response = FileResponse(
            io.BytesIO(routing_slip(mail)),
            content_type="application/pdf",
            filename=f"fiche-de-liaison-{mail.chrono_number or mail.pk}.pdf",
        )
        response["Content-Disposition"] = response["Content-Disposition"].replace(
            "attachment", "inline"
        )
        return response
    if kind == "thumbnail" and mail.thumbnail:
        handle = mail.thumbnail.open("rb")
        response = FileResponse(handle, content_type="image/png")
        response["X-Content-Type-Options"] = "nosniff"
        return response
    raise Http404("No such file")


@shown_in_own_frames
@login_required
def attachment_file(request: HttpRequest, pk: int, number: int) -> FileResponse:
    version = get_object_or_404(
        AttachmentVersion.objects.select_related("attachment"), attachment_id=pk, number=number
    )
    acting_on_mail(request, version.attachment.mail_id)
    return safe_download(version.file, version.file_name, inline_pdf=True)


@shown_in_own_frames
@login_required
def attachment_pdf(request: HttpRequest, pk: int, number: int) -> FileResponse:
    """A version as PDF, shown inline: the PDF made from a .docx, or the version itself when
    it is a PDF. What visa-ers and signatories read before deciding."""
    version = get_object_or_404(
        AttachmentVersion.objects.select_related("attachment"), attachment_id=pk, number=number
    )
    acting_on_mail(request, version.attachment.mail_id)
    stem = version.file_name.rsplit(".", 1)[0] or "document"
    if version.pdf:
        return safe_download(version.pdf, f"{stem}.pdf", inline_pdf=True)
    if version.file_name.lower().endswith(".pdf"):
        return safe_download(version.file, version.file_name, inline_pdf=True)
    raise Http404("No PDF for this version yet")


@login_required
def lock_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The lock banner, polled while a colleague holds the mail; empty once they leave it."""
    acting, mail = acting_on_mail(request, pk)
    lock = current_lock(mail)
    context = {
        "mail": mail,
        "lock": lock,
        "locked_by_other": lock is not None and lock.user_id != acting.actor.pk,
        "for_user": acting.on_behalf_of.username if acting.on_behalf_of else "",
        "lock_poll_seconds": settings.BANNETTE_LOCK_POLL_SECONDS,
    }
    return render(request, "courrier/_lock_banner.html", context)
