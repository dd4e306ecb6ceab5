"""Writing a letter on the organisation's own initiative (départ spontané) or an internal mail
to another service: one form registers it in its series; its page then drafts it from a
template, sends it for visa and signature, and sends it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courrier.custom_fields import applicable_fields
from courrier.forms import CustomValues, PickedSender, refusal_on_form
from courrier.models import Category, DocumentType, Entity, Mail, Priority, User
from courrier.selectors import own_entities
from courrier.services.contacts import save_contact
from courrier.services.initiative import NewLetter, start_letter
from courrier.views.common import _user

KINDS = [
    (Category.OUTGOING, gettext_lazy("A letter to send out (outgoing mail)")),
    (Category.INTERNAL, gettext_lazy("An internal mail to another service")),
]


class LetterForm(CustomValues, PickedSender):
    category = forms.ChoiceField(
        label=gettext_lazy("What you write"), choices=KINDS, widget=forms.RadioSelect
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    entity = forms.ModelChoiceField(
        label=gettext_lazy("Written by the service"), queryset=Entity.objects.none()
    )
    recipient_entity = forms.ModelChoiceField(
        label=gettext_lazy("To the service"),
        queryset=Entity.objects.filter(active=True),
        required=False,
    )
    document_type = forms.ModelChoiceField(
        label=gettext_lazy("Document type"),
        queryset=DocumentType.objects.filter(
            active=True, category__in=[Category.OUTGOING, Category.INTERNAL]
        ),
        required=False,
    )
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), choices=Priority.choices)
    confidential = forms.BooleanField(label=gettext_lazy("Confidential"), required=False)
    text = forms.CharField(
        label=gettext_lazy("Summary or message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy(
            "Searchable. An internal mail may be sent with this text alone, without a letter."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entity = self.fields["entity"]
        assert isinstance(entity, forms.ModelChoiceField)
        entity.queryset = own_entities(user)
        self.fields["sender"].label = gettext_lazy("Recipient")
        self.fields["sender"].help_text = gettext_lazy("Outgoing letter: type a name to choose.")
        # The indexing models of outgoing and internal mail: a field of one kind only shows
        # with that kind (data-for-kind), required ones are enforced by the service.
        outgoing = {f.code: f for f in applicable_fields(Category.OUTGOING)}
        internal = {f.code: f for f in applicable_fields(Category.INTERNAL)}
        self.add_custom_fields({**outgoing, **internal}.values())
        self.kind_of = {
            f"cf_{code}": Category.OUTGOING if code not in internal else Category.INTERNAL
            for code in outgoing.keys() ^ internal.keys()
        }

    def custom_fields_shown(self) -> list[tuple[forms.BoundField, str]]:
        return [(self[name], self.kind_of.get(name, "")) for name in self.custom_field_names()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("category") == Category.INTERNAL:
            if not data.get("recipient_entity"):
                self.add_error("recipient_entity", _("Choose the service it goes to."))
        elif (
            data.get("category") == Category.OUTGOING
            and not self.sender_choice
            and self.candidate() is None
            and not self.errors
        ):
            self.add_error("sender", _("Choose the recipient, or create a new contact below."))
        doctype = data.get("document_type")
        if doctype is not None and doctype.category != data.get("category"):
            self.add_error("document_type", _("This document type is not for this kind of mail."))
        return data


@login_required
@permission_required("courrier.process_mail", raise_exception=True)
def write_mail(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    kind = request.GET.get("kind")
    form = LetterForm(
        request.POST or None,
        user=user,
        initial={
            "category": kind
            if kind in (Category.OUTGOING, Category.INTERNAL)
            else Category.OUTGOING,
            "entity": user.primary_entity_id,
            "priority": Priority.NORMAL,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            mail = _start(user, form)
        except (PermissionDenied, ValidationError) as exc:
            refusal_on_form(form, exc)
        else:
            messages.success(
                request,
                _("%(chrono)s registered. Write it from a template below, then send it.")
                % {"chrono": mail.chrono_number},
            )
            return redirect(reverse("mail_detail", args=[mail.pk]) + "?tab=reply")
    return render(request, "courrier/write.html", {"form": form})


@transaction.atomic
def _start(user: User, form: LetterForm) -> Mail:
    data = form.cleaned_data
    internal = data["category"] == Category.INTERNAL
    recipient, address = form.sender_choice or (None, None)
    if not internal and recipient is None:
        candidate = form.candidate()
        if candidate is not None:
            recipient = save_contact(actor=user, contact=candidate)
    return start_letter(
        actor=user,
        letter=NewLetter(
            category=data["category"],
            subject=data["subject"],
            entity=data["entity"],
            recipient=None if internal else recipient,
            recipient_address=None if internal else address,
            recipient_entity=data["recipient_entity"] if internal else None,
            document_type=data["document_type"],
            priority=data["priority"],
            confidential=data["confidential"],
            text=data["text"],
            custom_fields=form.custom_values(),
        ),
    )
