"""Forms of the processing screens: qualification and the new-contact fieldset."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from courrier.custom_fields import applicable_fields
from courrier.models import (
    Channel,
    Contact,
    ContactAddress,
    ContactKind,
    CustomField,
    CustomFieldType,
    DocumentType,
    Entity,
    Mail,
    Priority,
    User,
)
from courrier.selectors import user_entity_ids, visible_mails
from courrier.services.actions import refusal_text
from courrier.services.contacts import find_duplicates, matching_contacts

# A contact picked in a list travels as its reference (« 317 », or « 317.12 » for one of its
# points of contact) in a hidden field beside the name the person reads. « Name [#317] » typed
# in the field itself is still understood (scripts, the API's older clients).
CONTACT_TOKEN = re.compile(r"\[#(\d+)(?:\.(\d+))?\]\s*$")
CONTACT_REF = re.compile(r"^(\d+)(?:\.(\d+))?$")


def _contact_at(
    contact_id: str, address_id: str | None
) -> tuple[Contact, ContactAddress | None] | None:
    contact = Contact.objects.filter(pk=contact_id, active=True).first()
    if contact is None:
        return None
    address = contact.addresses.filter(pk=address_id).first() if address_id else None
    return contact, address


def contact_from_token(text: str, ref: str = "") -> tuple[Contact, ContactAddress | None] | None:
    """The active contact (and point of contact) picked from a list: its reference, as long as
    the field still reads its name (a name typed over it afterwards is not that contact)."""
    text = text.strip()
    match = CONTACT_TOKEN.search(text)
    if match is not None:
        return _contact_at(match.group(1), match.group(2))
    match = CONTACT_REF.match(ref.strip())
    if match is None or not text:
        return None
    chosen = _contact_at(match.group(1), match.group(2))
    if chosen is None or not text.startswith(contact_token(*chosen)):
        return None
    return chosen


def contact_ref(contact: Contact, address: ContactAddress | None = None) -> str:
    return f"{contact.pk}.{address.pk}" if address else str(contact.pk)


def contact_token(contact: Contact, address: ContactAddress | None = None) -> str:
    """How a contact (or one of its points of contact) reads in a contact field."""
    parts = [contact.display_name]
    if address is not None:
        parts.append(str(address))
    place = (address.city if address else "") or contact.city
    if place:
        parts.append(place)
    return " — ".join(parts)


def search_contacts(text: str, limit: int = 15) -> list[tuple[str, str]]:
    """(what the list shows, reference) of the contacts and points of contact whose name,
    organisation, e-mail or city match. Two that would read the same are told apart by their
    e-mail, else by their record number."""
    if not text.split():
        return []
    contacts = matching_contacts(text)
    picks: list[tuple[Contact, ContactAddress | None]] = []
    for contact in contacts.prefetch_related("addresses")[:limit]:
        picks.append((contact, None))
        picks.extend((contact, a) for a in contact.addresses.all()[:5])
    picks = picks[:limit]
    labels = [contact_token(*pick) for pick in picks]
    shared = {label for label in labels if labels.count(label) > 1}
    for index, (contact, address) in enumerate(picks):
        email = (address.email if address else "") or contact.email
        if labels[index] in shared and email:
            labels[index] = f"{labels[index]} · {email}"
    shared = {label for label in labels if labels.count(label) > 1}
    options = []
    for (contact, address), label in zip(picks, labels, strict=True):
        if label in shared:
            label = f"{label} · " + _("record no. %(number)s") % {"number": contact.pk}
        options.append((label, contact_ref(contact, address)))
    return options


DJANGO_EMPTY = "---------"


class WordedEmptyChoices:
    """Put first in a form's bases: an empty choice reads « — choisir — » (or « — aucun — »
    when it may stay empty) rather than Django's « --------- »."""

    fields: dict[str, forms.Field]

    def __getitem__(self, name: str) -> Any:
        field = self.fields.get(name)
        if field is not None:  # fields a form adds in its own __init__ too
            _word_empty_choice(field)
        return super().__getitem__(name)  # type: ignore[misc]


def _word_empty_choice(field: forms.Field) -> None:
    worded = _("— choose —") if field.required else _("— none —")
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DJANGO_EMPTY:
            field.empty_label = worded
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)  # type: ignore[arg-type]
        if choices and choices[0] == ("", DJANGO_EMPTY):
            field.choices = [("", worded), *choices[1:]]


class NewContactFields(WordedEmptyChoices, forms.Form):
    """Creating a sender inline; duplicates are shown before anything is saved."""

    new_kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices, required=False)
    new_first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    new_last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    new_organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    new_email = forms.EmailField(label=_("E-mail"), required=False)
    new_address = forms.CharField(label=_("Address"), required=False, max_length=200)
    new_postcode = forms.CharField(label=_("Postcode"), required=False, max_length=16)
    new_city = forms.CharField(label=_("City"), required=False, max_length=100)
    create_anyway = forms.BooleanField(label=_("Create it anyway"), required=False)

    def candidate(self) -> Contact | None:
        data = self.cleaned_data
        if not (data.get("new_last_name") or data.get("new_organisation")):
            return None
        kind = data.get("new_kind") or ContactKind.PERSON
        if kind == ContactKind.PERSON and not data.get("new_last_name"):
            kind = ContactKind.ORGANISATION
        return Contact(
            kind=kind,
            first_name=data.get("new_first_name", ""),
            last_name=data.get("new_last_name", ""),
            organisation_name=data.get("new_organisation", ""),
            email=data.get("new_email", ""),
            address_line1=data.get("new_address", ""),
            postcode=data.get("new_postcode", ""),
            city=data.get("new_city", ""),
        )


class PickedSender(NewContactFields):
    """A sender picked from the contacts by name (its reference in a hidden field), or a new
    one described in the new_* fields."""

    sender = forms.CharField(
        label=_("Sender"), required=False, help_text=_("Type a name, organisation, e-mail or city.")
    )
    sender_ref = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sender_choice: tuple[Contact, ContactAddress | None] | None = None

    def clean_sender(self) -> str:
        text: str = self.cleaned_data["sender"].strip()
        if not text:
            return ""
        chosen = contact_from_token(text, self.data.get("sender_ref", ""))
        if chosen is None:
            raise forms.ValidationError(
                _("Choose a contact from the list, or create a new one below.")
            )
        self.sender_choice = chosen
        return text


def refusal_on_form(form: forms.Form, exc: PermissionDenied | ValidationError) -> None:
    """A service's refusal shown where it belongs: a custom field's error beside that field."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            name = f"cf_{key}" if f"cf_{key}" in form.fields else key
            form.add_error(name if name in form.fields else None, errors)
        return
    form.add_error(None, refusal_text(exc))


class CustomValues(forms.Form):
    """A form with the custom fields of an indexing model (cf_<code>), all optional on screen:
    the service says which are required for the mail's category and type."""

    def add_custom_fields(self, fields: Iterable[CustomField]) -> None:
        for field in fields:
            self.fields[f"cf_{field.code}"] = _custom_form_field(field)

    def custom_field_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith("cf_")]

    def custom_values(self) -> dict[str, Any]:
        values = {}
        for name in self.custom_field_names():
            value = self.cleaned_data.get(name)
            if isinstance(value, datetime.date):
                value = value.isoformat()
            if value is not None and value != "":
                values[name[3:]] = value
        return values


class QualificationForm(CustomValues, PickedSender):
    document_type = forms.ModelChoiceField(
        label=_("Document type"), queryset=DocumentType.objects.filter(active=True)
    )
    subject = forms.CharField(label=_("Subject"), max_length=500)
    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.choices, required=False)
    destination_entity = forms.ModelChoiceField(
        label=_("Destination entity"), queryset=Entity.objects.filter(active=True)
    )
    recipient_user = forms.ModelChoiceField(
        label=_("Recipient user (optional)"),
        queryset=User.objects.filter(is_active=True),
        required=False,
    )
    copy_entities = forms.ModelMultipleChoiceField(
        label=_("Copies: entities"),
        queryset=Entity.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    copy_users = forms.ModelMultipleChoiceField(
        label=_("Copies: users"),
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    document_date = forms.DateField(
        label=_("Document date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    confidential = forms.BooleanField(label=_("Confidential"), required=False)
    keywords = forms.CharField(
        label=_("Keywords"), required=False, help_text=_("Separated by commas.")
    )
    links = forms.CharField(
        label=_("Linked mail"),
        required=False,
        help_text=_("Chrono numbers, separated by spaces or commas."),
    )

    def __init__(self, *args: Any, user: User, mail: Mail, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.mail = user, mail
        self.duplicates: list[Contact] = []
        self.add_custom_fields(applicable_fields(mail.category))

    def clean_links(self) -> list[Mail]:
        numbers = [n for n in re.split(r"[\s,;]+", self.cleaned_data["links"]) if n]
        found = list(visible_mails(self.user).filter(chrono_number__in=numbers))
        unknown = set(numbers) - {m.chrono_number for m in found}
        if unknown:
            raise forms.ValidationError(
                _("Unknown mail: %(numbers)s") % {"numbers": ", ".join(sorted(unknown))}
            )
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, entity = data.get("recipient_user"), data.get("destination_entity")
        if user is not None and entity is not None and entity.pk not in user_entity_ids(user):
            self.add_error(
                "recipient_user",
                _("%(user)s is not a member of %(entity)s.") % {"user": user, "entity": entity},
            )
        candidate = self.candidate()
        if candidate is not None and self.sender_choice is None:
            self.duplicates = list(find_duplicates(candidate)[:5])
            if self.duplicates and not data.get("create_anyway"):
                self.add_error(
                    None,
                    _("This contact may already exist: choose it, or tick “Create it anyway”."),
                )
        return data


def _custom_form_field(field: CustomField) -> forms.Field:
    common: dict[str, Any] = {"label": field.label, "required": False}
    kind = field.field_type
    if kind == CustomFieldType.INTEGER:
        return forms.IntegerField(**common)
    if kind == CustomFieldType.DECIMAL:
        return forms.DecimalField(**common)
    if kind == CustomFieldType.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if kind == CustomFieldType.BOOLEAN:
        return forms.BooleanField(**common)
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in field.choices], **common)
    return forms.CharField(max_length=500, **common)
