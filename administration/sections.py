"""The sections of the settings screens: what each lists, edits and who may change it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from administration import forms
from capture.models import ImapAccount
from courrier.models import (
    Basket,
    Category,
    CustomField,
    DiffusionTemplate,
    DocumentType,
    Entity,
    Role,
    User,
)
from scanner_hotfolders.models import HotFolder
from visa.models import CircuitTemplate


@dataclass(frozen=True)
class Column:
    heading: str | Promise
    value: Callable[[Any], object]


def _display(name: str) -> Callable[[Any], object]:
    """The field's value as people read it (choices by their label)."""

    def read(obj: Any) -> object:
        shown = getattr(obj, f"get_{name}_display", None)
        return shown() if shown else getattr(obj, name)

    return read


def _roles(user: User) -> str:
    return ", ".join(str(Role.LABELS[g.name]) for g in user.groups.all() if g.name in Role.LABELS)


def _delay(doctype: DocumentType) -> str:
    return f"{doctype.delay_days} {doctype.get_delay_unit_display()}"


def _categories(field: CustomField) -> str:
    labels = dict(Category.choices)
    return ", ".join(str(labels[c]) for c in field.categories if c in labels) or str(_("All"))


def _required(field: CustomField) -> str:
    return str(_("yes") if field.required else _("no"))


def _steps(template: CircuitTemplate) -> str:
    names = dict(User.objects.values_list("username", "last_name"))
    return " → ".join(names.get(username) or username for username, _role in template.steps)


@dataclass(frozen=True)
class Section:
    code: str
    label: str | Promise
    description: str | Promise
    model: type[Model]
    form: type[ModelForm[Any]]
    app_label: str
    icon: str
    columns: tuple[Column, ...]
    search: tuple[str, ...]
    active_field: str = "active"
    related: tuple[str, ...] = field(default_factory=tuple)

    @property
    def permission(self) -> str:
        return f"{self.app_label}.change_{self.model._meta.model_name}"

    @property
    def add_permission(self) -> str:
        return f"{self.app_label}.add_{self.model._meta.model_name}"

    def objects(self) -> QuerySet[Any]:
        objects = self.model._default_manager.all()
        if self.model is User:
            # Applications' accounts have their own screen (no password, a token).
            objects = objects.filter(service_account__isnull=True)
            objects = objects.order_by("last_name", "first_name").prefetch_related("groups")
        return objects.select_related(*self.related) if self.related else objects


SECTIONS = [
    Section(
        code="entities",
        label=_("Entities"),
        description=_("The organisation's tree: directions, services, offices."),
        model=Entity,
        form=forms.EntityForm,
        app_label="courrier",
        icon="folder",
        columns=(
            Column(_("Short label"), str),
            Column(_("Label"), _display("label")),
            Column(_("Type"), _display("entity_type")),
            Column(_("E-mail"), _display("email")),
        ),
        search=("label", "short_label", "code"),
        related=("parent",),
    ),
    Section(
        code="users",
        label=_("Users"),
        description=_("People, their entities and their roles."),
        model=User,
        form=forms.UserForm,
        app_label="courrier",
        icon="users",
        columns=(
            Column(_("Name"), str),
            Column(_("Login"), _display("username")),
            Column(_("Primary entity"), _display("primary_entity")),
            Column(_("Roles"), _roles),
        ),
        search=("username", "first_name", "last_name", "email"),
        active_field="is_active",
        related=("primary_entity",),
    ),
    Section(
        code="baskets",
        label=_("Baskets"),
        description=_("The lists of mail each role finds on its home page."),
        model=Basket,
        form=forms.BasketForm,
        app_label="courrier",
        icon="inbox",
        columns=(Column(_("Label"), str), Column(_("Position"), _display("position"))),
        search=("label", "code"),
    ),
    Section(
        code="document-types",
        label=_("Document types"),
        description=_("Types of mail with their processing delays, reminders and retention."),
        model=DocumentType,
        form=forms.DocumentTypeForm,
        app_label="courrier",
        icon="book",
        columns=(
            Column(_("Label"), _display("label")),
            Column(_("Delay"), _delay),
            Column(_("Processing"), _display("processing_mode")),
            Column(_("Default entity"), _display("default_entity")),
        ),
        search=("label", "code"),
        related=("default_entity",),
    ),
    Section(
        code="custom-fields",
        label=_("Indexing models"),
        description=_(
            "The fields each category of mail asks beside its own (by type if need be), "
            "required or not, at qualification and when a letter is written."
        ),
        model=CustomField,
        form=forms.CustomFieldForm,
        app_label="courrier",
        icon="gear",
        columns=(
            Column(_("Label"), _display("label")),
            Column(_("Type"), _display("field_type")),
            Column(_("Categories"), _categories),
            Column(_("Required"), _required),
        ),
        search=("label", "code"),
        active_field="",
    ),
    Section(
        code="circuits",
        label=_("Circuit templates"),
        description=_("Visa and signature circuits offered when a reply is sent for visa."),
        model=CircuitTemplate,
        form=forms.CircuitTemplateForm,
        app_label="visa",
        icon="pen",
        columns=(
            Column(_("Label"), _display("label")),
            Column(_("Entity"), _display("entity")),
            Column(_("Steps"), _steps),
        ),
        search=("label",),
        active_field="",
        related=("entity",),
    ),
    Section(
        code="diffusion-lists",
        label=_("Diffusion templates"),
        description=_("Recipients and copies applied at qualification, by type or entity."),
        model=DiffusionTemplate,
        form=forms.DiffusionTemplateForm,
        app_label="courrier",
        icon="send",
        columns=(
            Column(_("Label"), _display("label")),
            Column(_("Document type"), _display("document_type")),
            Column(_("Entity"), _display("entity")),
        ),
        search=("label",),
        active_field="",
        related=("entity", "document_type"),
    ),
    Section(
        code="hot-folders",
        label=_("Scanner hot folders"),
        description=_("Folders the scanners drop their batches into."),
        model=HotFolder,
        form=forms.HotFolderForm,
        app_label="scanner_hotfolders",
        icon="barcode",
        columns=(
            Column(_("Name"), _display("name")),
            Column(_("Folder"), _display("path")),
            Column(_("Entity"), _display("entity")),
        ),
        search=("name", "path"),
        related=("entity",),
    ),
    Section(
        code="mailboxes",
        label=_("Mailboxes"),
        description=_("IMAP mailboxes whose messages become mail."),
        model=ImapAccount,
        form=forms.ImapAccountForm,
        app_label="capture",
        icon="inbox",
        columns=(
            Column(_("Name"), _display("name")),
            Column(_("Server"), _display("host")),
            Column(_("Login"), _display("username")),
            Column(_("Folder"), _display("folder")),
        ),
        search=("name", "host", "username"),
        related=("entity",),
    ),
]


def section(code: str) -> Section | None:
    return next((s for s in SECTIONS if s.code == code), None)
