"""The mail room's qualification screen: document on the left, form on the right."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from courrier.baskets import basket_mails
from courrier.deadlines import due_date_for
from courrier.extensions import suggestions_for
from courrier.forms import (
    NewContactFields,
    QualificationForm,
    contact_ref,
    contact_token,
    refusal_on_form,
    search_contacts,
)
from courrier.models import (
    Basket,
    Contact,
    ContactRole,
    DiffusionRole,
    DocumentType,
    Entity,
    Mail,
    MailLock,
    MailStatus,
    User,
)
from courrier.services.actions import Acting
from courrier.services.circulation import diffusion_templates_for
from courrier.services.contacts import find_duplicates, save_contact
from courrier.services.locks import take_lock
from courrier.services.mail import Qualification, qualify_mail
from courrier.views.common import acting_on_mail, as_id


def _confident(suggestion: Mapping[str, Any] | None) -> bool:
    threshold = settings.BANNETTE_SUGGESTION_MIN_CONFIDENCE / 100
    if not suggestion:
        return False
    return float(suggestion.get("confidence", 0)) >= threshold


Suggestions = Mapping[str, Mapping[str, Any]]


def _suggested(suggestions: Suggestions, field: str) -> str | None:
    """The suggested code, when capture was confident enough to pre-fill the field with it."""
    suggestion = suggestions.get(field)
    if suggestion is None or not _confident(suggestion) or "code" not in suggestion:
        return None
    return str(suggestion["code"])


def _suggested_sender(suggestions: Suggestions) -> Contact | None:
    suggestion = suggestions.get("sender")
    if suggestion is None or not _confident(suggestion):
        return None
    contact_id = suggestion.get("contact")
    if not isinstance(contact_id, int):
        return None
    return Contact.objects.filter(pk=contact_id, active=True).first()


def suggestion_hints(suggestions: Suggestions) -> dict[str, Any]:
    """Each suggestion with whether it pre-filled its field (confident) or is only a hint."""
    return {
        field: {**suggestion, "prefilled": _confident(suggestion)}
        for field, suggestion in suggestions.items()
    }


def _copies_for(
    entity: Entity | None, document_type: DocumentType | None
) -> tuple[list[int], list[int]]:
    """Copies of the most specific diffusion template for this destination and type."""
    template = diffusion_templates_for(entity=entity, document_type=document_type).first()
    if template is None:
        return [], []
    copies = [line for line in template.entries.all() if line.role == DiffusionRole.COPY]
    return (
        [line.entity_id for line in copies if line.entity_id],
        [line.user_id for line in copies if line.user_id],
    )


def initial_values(mail: Mail, suggestions: Suggestions) -> dict[str, Any]:
    """The form as capture left it: suggestions, the type's default entity, computed due date."""
    doctype = (
        mail.document_type
        or DocumentType.objects.filter(code=_suggested(suggestions, "document_type")).first()
    )
    entity = (
        mail.destination_entity
        or Entity.objects.filter(code=_suggested(suggestions, "entity")).first()
        or (doctype.default_entity if doctype else None)
    )
    sender = (
        mail.mail_contacts.filter(role=ContactRole.SENDER)
        .select_related("contact", "address")
        .first()
    )
    suggested_sender = None if sender else _suggested_sender(suggestions)
    copy_entities, copy_users = _copies_for(entity, doctype)
    return {
        "document_type": doctype,
        "subject": mail.subject,
        "destination_entity": entity,
        "sender": contact_token(sender.contact, sender.address)
        if sender
        else (contact_token(suggested_sender) if suggested_sender else ""),
        "sender_ref": contact_ref(sender.contact, sender.address)
        if sender
        else (contact_ref(suggested_sender) if suggested_sender else ""),
        "priority": mail.priority,
        "channel": mail.channel,
        "confidential": mail.confidential,
        "document_date": mail.document_date,
        "due_date": due_date_for(doctype, mail.arrival_date)[0] if doctype else None,
        "copy_entities": copy_entities,
        "copy_users": copy_users,
        "keywords": ", ".join(mail.keywords.values_list("label", flat=True)),
        **{f"cf_{code}": value for code, value in mail.custom_fields.items()},
    }


def _queue(user: User) -> QuerySet[Mail]:
    basket = Basket.objects.filter(code="to_qualify", active=True).first()
    if basket is None:
        return Mail.objects.none()
    return basket_mails(basket, user).order_by("arrival_date", "id")


def next_to_qualify(user: User, after: Mail) -> Mail | None:
    """The next mail of the queue that no colleague is qualifying right now."""
    busy = MailLock.objects.filter(expires_at__gt=datetime.datetime.now(datetime.UTC)).exclude(
        user=user
    )
    return _queue(user).exclude(pk=after.pk).exclude(pk__in=busy.values("mail_id")).first()


def _qualification(form: QualificationForm, sender: Any) -> Qualification:
    data = form.cleaned_data
    return Qualification(
        document_type=data["document_type"],
        destination_entity=data["destination_entity"],
        subject=data["subject"],
        recipient_user=data["recipient_user"],
        due_date=data["due_date"],
        document_date=data["document_date"],
        priority=data["priority"],
        confidential=data["confidential"],
        senders=[sender] if sender else [],
        copies=[*data["copy_entities"], *data["copy_users"]],
        keywords=data["keywords"].split(","),
        custom_fields=form.custom_values(),
        links=data["links"],
        channel=data["channel"] or None,
    )


def _save(acting: Acting, form: QualificationForm, mail: Mail) -> None:
    with transaction.atomic():  # a new sender and the qualification land together
        sender = form.sender_choice
        candidate = form.candidate()
        if sender is None and candidate is not None:
            sender = (save_contact(actor=acting.actor, contact=candidate), None)
        qualify_mail(
            actor=acting.actor,
            mail=mail,
            qualification=_qualification(form, sender),
            on_behalf_of=acting.on_behalf_of,
        )


def _qualifier(request: HttpRequest, pk: int) -> tuple[Acting, Mail]:
    """The mail and who qualifies it: a clerk, or a colleague standing in for one."""
    acting, mail = acting_on_mail(request, pk)
    if not acting.principal.has_perm("courrier.qualify_mail"):
        raise PermissionDenied("Only the mail room qualifies mail.")
    return acting, mail


def _with_for(url: str, acting: Acting) -> str:
    return f"{url}?for={acting.on_behalf_of.username}" if acting.on_behalf_of else url


@login_required
def qualify(request: HttpRequest, pk: int) -> HttpResponse:
    acting, mail = _qualifier(request, pk)
    user = acting.actor
    if mail.status != MailStatus.TO_QUALIFY:
        messages.info(
            request, _("%(chrono)s is already qualified.") % {"chrono": mail.chrono_number}
        )
        return HttpResponseRedirect(reverse("mail_detail", args=[mail.pk]))
    lock = take_lock(user=user, mail=mail)
    suggestions = suggestions_for(mail)
    form = QualificationForm(
        request.POST or None,
        user=acting.principal,
        mail=mail,
        initial=initial_values(mail, suggestions),
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save(acting, form, mail)
        except (PermissionDenied, ValidationError) as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(
                request,
                _("%(chrono)s qualified for %(entity)s.")
                % {"chrono": mail.chrono_number, "entity": form.cleaned_data["destination_entity"]},
            )
            following = next_to_qualify(acting.principal, mail) if "next" in request.POST else None
            if following is not None:
                return HttpResponseRedirect(
                    _with_for(reverse("qualify", args=[following.pk]), acting)
                )
            return HttpResponseRedirect(_with_for(reverse("basket", args=["to_qualify"]), acting))
    context = {
        "mail": mail,
        "form": form,
        "lock": lock,
        "locked_by_other": lock.user_id != user.pk,
        "queue_size": _queue(acting.principal).count(),
        "for_user": acting.on_behalf_of.username if acting.on_behalf_of else "",
        "suggestions": suggestion_hints(suggestions),
    }
    return render(request, "courrier/qualify.html", context)


@login_required
def qualify_defaults(request: HttpRequest, pk: int) -> HttpResponse:
    """Due date and copies recomputed when the clerk changes the type or the destination."""
    acting, mail = _qualifier(request, pk)
    doctype = DocumentType.objects.filter(pk=as_id(request.GET.get("document_type"))).first()
    entity = Entity.objects.filter(pk=as_id(request.GET.get("destination_entity"))).first()
    # A new type brings its own service: the destination follows it (the clerk may still
    # change it afterwards), so that Enter does not send the letter to the previous guess.
    # A destination the clerk chose herself (or set when capturing) stays hers.
    chosen = request.GET.get("entity_chosen") == "1" and entity is not None
    follows_type = (
        request.GET.get("changed") == "document_type" and doctype is not None and not chosen
    )
    if follows_type and doctype is not None and doctype.default_entity is not None:
        entity = doctype.default_entity
    else:
        follows_type = False
    copy_entities, copy_users = _copies_for(entity, doctype)
    initial = {
        "due_date": due_date_for(doctype, mail.arrival_date)[0] if doctype else None,
        "copy_entities": copy_entities,
        "copy_users": copy_users,
        "destination_entity": entity,
    }
    form = QualificationForm(user=acting.actor, mail=mail, initial=initial)
    context = {
        "form": form,
        "mail": mail,
        "entity_follows_type": follows_type,
        "for_user": acting.on_behalf_of.username if acting.on_behalf_of else "",
        "suggestions": suggestion_hints(suggestions_for(mail)),
    }
    return render(request, "courrier/_qualify_defaults.html", context)


@login_required
@permission_required("courrier.view_contact", raise_exception=True)
def contact_options(request: HttpRequest) -> HttpResponse:
    """Datalist options for the sender field (keyboard-friendly native autocomplete)."""
    params = request.GET
    tokens = search_contacts(params.get("sender") or params.get("recipient") or params.get("q", ""))
    return render(request, "courrier/_contact_options.html", {"tokens": tokens})


@login_required
@permission_required("courrier.view_contact", raise_exception=True)
def contact_duplicates(request: HttpRequest) -> HttpResponse:
    """Warn while typing a new contact that it may exist already."""
    fields = NewContactFields(request.POST)
    candidate = fields.candidate() if fields.is_valid() else None  # half-typed: no warning yet
    duplicates = list(find_duplicates(candidate)[:5]) if candidate else []
    tokens = [(contact_token(c), contact_ref(c)) for c in duplicates]
    return render(request, "courrier/_contact_duplicates.html", {"tokens": tokens})
