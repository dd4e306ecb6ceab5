"""Registering mail that comes with no file: a phone call, a visit at the counter, a letter
read out. One form; the mail is registered, qualified when its type and service are known, and
acknowledged like the rest of the day's post (printed, or handed over at the counter)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courrier.forms import PickedSender
from courrier.models import Channel, Contact, DocumentType, Entity, Mail
from courrier.services.contacts import save_contact
from courrier.services.mail import Qualification, Registration, qualify_mail, register_mail
from courrier.views.common import _user

WITHOUT_FILE = [
    (Channel.PHONE, gettext_lazy("Phone call")),
    (Channel.COUNTER, gettext_lazy("Visit at the counter")),
    (Channel.PAPER, gettext_lazy("Letter (not scanned)")),
]


class RegistrationForm(PickedSender):
    channel = forms.ChoiceField(label=gettext_lazy("Received by"), choices=WITHOUT_FILE)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    summary = forms.CharField(
        label=gettext_lazy("What was asked"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy(
            "Kept as the mail's text: searchable, and read by whoever processes it."
        ),
    )
    arrival_date = forms.DateField(
        label=gettext_lazy("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    document_type = forms.ModelChoiceField(
        label=gettext_lazy("Document type"),
        queryset=DocumentType.objects.filter(active=True),
        required=False,
    )
    destination_entity = forms.ModelChoiceField(
        label=gettext_lazy("Destination entity"),
        queryset=Entity.objects.filter(active=True),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sender"].label = gettext_lazy("Requester")

    def clean_arrival_date(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["arrival_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Mail cannot be received in the future."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("document_type") and not (
            data.get("destination_entity") or data["document_type"].default_entity
        ):
            self.add_error("destination_entity", _("Choose the service that will process it."))
        return data


@login_required
@permission_required("courrier.qualify_mail", raise_exception=True)
def register_without_file(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = RegistrationForm(
        request.POST or None,
        initial={"arrival_date": timezone.localdate(), "channel": Channel.PHONE},
    )
    if request.method == "POST" and form.is_valid():
        mail, left = _register(user, form)
        if left:
            messages.warning(
                request,
                _("%(chrono)s is left to qualify: %(why)s")
                % {"chrono": mail.chrono_number, "why": left},
            )
        messages.success(
            request,
            _("Mail %(chrono)s registered.") % {"chrono": mail.chrono_number}
            + (
                " " + _("Print its acknowledgment from its page.")
                if mail.mail_contacts.exists()
                else ""
            ),
        )
        if "another" in request.POST:
            return redirect("register_without_file")
        return redirect("mail_detail", mail.pk)
    return render(request, "courrier/register.html", {"form": form})


@transaction.atomic
def _register(user: Any, form: RegistrationForm) -> tuple[Mail, str]:
    """The mail registered, and why it was left to qualify if its qualification was refused."""
    data = form.cleaned_data
    sender: Contact | None = form.sender_choice[0] if form.sender_choice else None
    candidate = form.candidate()
    if sender is None and candidate is not None:
        sender = save_contact(actor=user, contact=candidate)
    doctype = data["document_type"]
    mail = register_mail(
        actor=user,
        registration=Registration(
            subject=data["subject"],
            channel=data["channel"],
            arrival_date=data["arrival_date"],
            senders=[sender] if sender else [],
            text=data["summary"],
            document_type=doctype,
            destination_entity=data["destination_entity"],
        ),
    )
    entity = data["destination_entity"] or (doctype.default_entity if doctype else None)
    if doctype is not None and entity is not None:
        try:
            with transaction.atomic():
                qualify_mail(
                    actor=user,
                    mail=mail,
                    qualification=Qualification(document_type=doctype, destination_entity=entity),
                )
        except ValidationError as exc:  # its type asks fields this form has not: to qualify
            return mail, "; ".join(exc.messages)
    return mail, ""
