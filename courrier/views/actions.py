"""Acting on mail from its page or a basket: catalogue actions, notes, diffusion, attachments."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from courrier.forms import contact_from_token
from courrier.models import (
    Attachment,
    AttachmentKind,
    DiffusionListEntry,
    DiffusionTemplate,
    Entity,
    Folder,
    Mail,
    User,
)
from courrier.selectors import can_process_mail, visible_mails
from courrier.services import circulation
from courrier.services.actions import (
    CATALOGUE,
    Acting,
    ActionInput,
    basket_actions,
    perform,
    perform_batch,
)
from courrier.services.locks import release_lock_of
from courrier.services.mail import IncomingFile
from courrier.services.processing import remove_diffusion_entry, take_over
from courrier.views.common import (
    _user,
    act_on_mail,
    acting_on_mail,
    as_id,
    back_to_mail,
    posted_ids,
)
from courrier.views.mail import basket_owner


def action_input(request: HttpRequest, principal: User) -> ActionInput:
    """The action form's fields as objects; unknown ids are simply absent."""
    post = request.POST
    entity_pk, user_pk, folder_pk = (as_id(post.get(name)) for name in ("entity", "user", "folder"))
    chrono = post.get("other", "").strip()
    restricted = posted_ids(request, "restricted_to")
    return ActionInput(
        entity=Entity.objects.filter(pk=entity_pk).first() if entity_pk else None,
        user=User.objects.filter(pk=user_pk, is_active=True).first() if user_pk else None,
        note=request.POST.get("note", ""),
        restricted_to=list(Entity.objects.filter(pk__in=restricted)),
        folder=Folder.objects.filter(pk=folder_pk).first() if folder_pk else None,
        other=visible_mails(principal).filter(chrono_number__iexact=chrono).first()
        if chrono
        else None,
        text=post.get("text", ""),
        day=_posted_date(post.get("day", "")),
    )


def _posted_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@login_required
@require_POST
def mail_action(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    action = CATALOGUE.get(code)
    if action is None:
        raise PermissionDenied("Unknown action")
    return act_on_mail(
        request,
        pk,
        "",
        lambda acting, mail: perform(acting, code, mail, action_input(request, acting.principal)),
        str(action.done),
        leave=action.leaves,
    )


@login_required
@require_POST
def basket_batch(request: HttpRequest, code: str) -> HttpResponse:
    """Run one action on the selected mails of a basket; each is checked and journaled."""
    basket, owner, absent = basket_owner(request, code)
    offered = {a.code: a for a in basket_actions(basket, owner)}
    action = offered.get(request.POST.get("action", ""))
    back = reverse("basket", args=[code]) + (f"?for={absent.username}" if absent else "")
    ids = posted_ids(request, "mails")
    if action is None or not ids:
        messages.error(request, _("Select mail and an action."))
        return HttpResponseRedirect(back)
    mails = visible_mails(owner).filter(pk__in=ids).order_by("pk")
    acting = Acting(_user(request), absent)
    report = perform_batch(acting, action.code, mails, action_input(request, owner))
    if report.done:
        messages.success(
            request,
            ngettext("%(done)s (%(count)d mail)", "%(done)s (%(count)d mails)", len(report.done))
            % {"done": action.done, "count": len(report.done)},
        )
    for mail, reason in report.refused:
        messages.error(request, f"{mail.chrono_number}: {reason}")
    missing = len(ids) - len(report.done) - len(report.refused)
    if missing:
        messages.error(
            request, _("%(count)d mail(s) are no longer in this basket.") % {"count": missing}
        )
    return HttpResponseRedirect(back)


@login_required
@require_POST
def release_lock(request: HttpRequest, pk: int) -> HttpResponse:
    """Called by the page when the user leaves it; the same answer whether or not the mail exists."""
    mail = Mail.objects.filter(pk=pk).first()
    held_until = parse_datetime(request.POST.get("held_until", ""))
    if mail is not None:
        release_lock_of(user=_user(request), mail=mail, held_until=held_until)
    return HttpResponse(status=204)


@login_required
@require_POST
def take_over_lock(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a mail a colleague left open (the banner's "Prendre la main")."""
    acting, mail = acting_on_mail(request, pk)
    if not can_process_mail(acting.principal, mail):
        raise PermissionDenied("This mail is not yours to process.")
    take_over(actor=acting.actor, mail=mail, on_behalf_of=acting.on_behalf_of)
    messages.success(request, _("You now hold this mail."))
    return back_to_mail(request, acting, mail)


@login_required
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        given = action_input(request, acting.principal)
        circulation.add_note(
            actor=acting.actor,
            mail=mail,
            text=given.note,
            restricted_to=given.restricted_to,
            on_behalf_of=acting.on_behalf_of,
        )

    return act_on_mail(request, pk, "notes", work, _("Note added."))


@login_required
@require_POST
def remove_diffusion(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        line = get_object_or_404(DiffusionListEntry, pk=entry, mail=mail)
        remove_diffusion_entry(actor=acting.actor, entry=line, on_behalf_of=acting.on_behalf_of)

    return act_on_mail(request, pk, "diffusion", work, _("Removed from the diffusion list."))


@login_required
@require_POST
def apply_diffusion_template(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        template = get_object_or_404(DiffusionTemplate, pk=as_id(request.POST.get("template")))
        circulation.apply_diffusion_template(
            actor=acting.actor, mail=mail, template=template, on_behalf_of=acting.on_behalf_of
        )

    return act_on_mail(request, pk, "diffusion", work, _("Diffusion list template applied."))


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise ValidationError(_("Invalid date: %(value)s") % {"value": value}) from exc


@login_required
@require_POST
def add_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        upload = request.FILES.get("file")
        kind = AttachmentKind.objects.filter(pk=as_id(request.POST.get("kind"))).first()
        if upload is None or kind is None:
            raise ValidationError(_("Choose a kind and a file."))
        recipient = contact_from_token(
            request.POST.get("recipient", ""), request.POST.get("recipient_ref", "")
        )
        circulation.add_attachment(
            actor=acting.actor,
            mail=mail,
            kind=kind,
            title=request.POST.get("title", "").strip() or upload.name or "",
            file=IncomingFile(upload.name or "file", upload.read(), upload.content_type or ""),
            recipient=recipient[0] if recipient else None,
            expected_return_date=_date(request.POST.get("expected_return_date", "")),
            on_behalf_of=acting.on_behalf_of,
        )

    return act_on_mail(request, pk, "attachments", work, _("Attachment added."))


@login_required
@require_POST
def add_attachment_version(request: HttpRequest, pk: int, attachment: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        target = get_object_or_404(Attachment, pk=attachment, mail=mail)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(_("Choose a file."))
        circulation.add_attachment_version(
            actor=acting.actor,
            attachment=target,
            file=IncomingFile(upload.name or "file", upload.read(), upload.content_type or ""),
            on_behalf_of=acting.on_behalf_of,
        )

    return act_on_mail(request, pk, "attachments", work, _("New version added."))


@login_required
@require_POST
def attachment_returned(request: HttpRequest, pk: int, attachment: int) -> HttpResponse:
    def work(acting: Acting, mail: Mail) -> None:
        target = get_object_or_404(Attachment, pk=attachment, mail=mail)
        returned = _date(request.POST.get("returned_on", "")) or timezone.localdate()
        circulation.mark_returned(
            actor=acting.actor,
            attachment=target,
            returned_on=returned,
            on_behalf_of=acting.on_behalf_of,
        )

    return act_on_mail(request, pk, "attachments", work, _("Return recorded."))
