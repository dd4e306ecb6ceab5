"""The settings forms: plain fields where the models store JSON or codes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from capture.models import ImapAccount
from courrier.baskets import ENTITY_SCOPES, BasketCriteria, InvalidCriteria
from courrier.extensions import awaiting_criteria
from courrier.forms import WordedEmptyChoices
from courrier.models import (
    Basket,
    Category,
    CustomField,
    CustomFieldType,
    DiffusionRole,
    DiffusionTemplate,
    DiffusionTemplateEntry,
    DocumentType,
    Entity,
    MailStatus,
    Role,
    User,
)
from courrier.selectors import descendant_ids
from scanner_hotfolders.models import HotFolder
from visa.models import CircuitTemplate, VisaStepRole

ROWS = 6  # rows offered for the steps of a circuit and the entries of a diffusion list


class EntityForm(WordedEmptyChoices, forms.ModelForm[Entity]):
    class Meta:
        model = Entity
        fields = [
            "code",
            "label",
            "short_label",
            "entity_type",
            "parent",
            "email",
            "phone",
            "address",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_parent(self) -> Entity | None:
        parent: Entity | None = self.cleaned_data.get("parent")
        if (
            parent is not None
            and self.instance.pk
            and parent.pk in descendant_ids([self.instance.pk])
        ):
            raise ValidationError(_("An entity cannot be placed below itself or one of its own."))
        return parent


def _role_groups() -> Any:
    return Group.objects.filter(name__in=Role.ALL).order_by("name")


class RoleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Group) -> str:
        return str(Role.LABELS.get(obj.name, obj.name))


class UserForm(WordedEmptyChoices, forms.ModelForm[User]):
    roles = RoleChoice(
        label=_("Roles"), queryset=Group.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one; the user changes it after signing in."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "primary_entity", "entities"]
        widgets = {"entities": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["roles"].queryset = _role_groups()
        fields["entities"].queryset = Entity.objects.filter(active=True)
        fields["primary_entity"].queryset = Entity.objects.filter(active=True)
        self.fields["primary_entity"].required = True
        self.fields["first_name"].required = self.fields["last_name"].required = True
        if self.instance.pk:
            self.initial["roles"] = list(self.instance.groups.filter(name__in=Role.ALL))

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password", "")
        if not password and not self.instance.pk:
            raise ValidationError(_("A new user needs an initial password."))
        if password:
            from django.contrib.auth.password_validation import validate_password

            validate_password(password, self.instance)
        return password

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        user.save()
        self.save_m2m()
        others = list(user.groups.exclude(name__in=Role.ALL))
        user.groups.set([*others, *self.cleaned_data["roles"]])
        return user


class BasketForm(WordedEmptyChoices, forms.ModelForm[Basket]):
    """A basket's criteria as fields; they are stored as the JSON the basket engine reads."""

    statuses = forms.MultipleChoiceField(
        label=_("Status"),
        choices=MailStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Category"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    entity_scope = forms.ChoiceField(
        label=_("Entities"),
        choices=list(
            zip(
                ENTITY_SCOPES,
                [
                    _("the user's entities"),
                    _("the user's entities and those below"),
                    _("the user's primary entity"),
                    _("all entities"),
                ],
                strict=True,
            )
        ),
        initial="all",
    )
    diffusion_role = forms.ChoiceField(
        label=_("Received as"),
        choices=[
            ("", _("main recipient or copy")),
            ("recipient", _("main recipient")),
            ("copy", _("copy")),
        ],
        required=False,
    )
    assigned_to_me = forms.ChoiceField(
        label=_("Assignment"),
        choices=[
            ("", _("any")),
            ("yes", _("assigned to the user")),
            ("no", _("assigned to no one")),
        ],
        required=False,
    )
    deadline_state = forms.ChoiceField(
        label=_("Due date"),
        choices=[
            ("", _("any")),
            ("late", _("late")),
            ("due_soon", _("due soon")),
            ("on_time", _("on time")),
            ("no_due_date", _("no due date")),
            ("suspended", _("delays suspended")),
            ("implicit_decision_born", _("implicit decision born")),
        ],
        required=False,
    )
    awaiting_my = forms.ChoiceField(label=_("Waiting for"), required=False)

    class Meta:
        model = Basket
        fields = ["code", "label", "description", "roles", "position", "redirect_scope"]
        widgets = {"roles": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["roles"].queryset = _role_groups()
        fields["roles"].label_from_instance = lambda g: str(Role.LABELS.get(g.name, g.name))
        fields["awaiting_my"].choices = [("", _("nothing in particular"))] + [
            (code, criterion.label or code) for code, criterion in awaiting_criteria().items()
        ]
        if self.instance.pk:  # default baskets are stored in English and shown translated
            for name in ("label", "description"):
                stored = getattr(self.instance, name)
                self.initial[name] = gettext(stored) if stored else ""
        criteria = BasketCriteria.from_json(self.instance.criteria or {})
        assigned = {True: "yes", False: "no", None: ""}[criteria.assigned_to_me]
        self.initial.update(
            {
                "statuses": criteria.statuses,
                "categories": criteria.categories,
                "entity_scope": criteria.entity_scope,
                "diffusion_role": criteria.diffusion_role or "",
                "assigned_to_me": assigned,
                "deadline_state": criteria.deadline_state or "",
                "awaiting_my": criteria.awaiting_my or "",
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = {
            "statuses": data.get("statuses") or [],
            "categories": data.get("categories") or [],
            "entity_scope": data.get("entity_scope") or "all",
            "diffusion_role": data.get("diffusion_role") or None,
            "assigned_to_me": {"yes": True, "no": False}.get(data.get("assigned_to_me") or ""),
            "deadline_state": data.get("deadline_state") or None,
            "awaiting_my": data.get("awaiting_my") or None,
        }
        try:
            self.instance.criteria = BasketCriteria.from_json(raw).to_json()
        except InvalidCriteria as error:  # the choices above make this a programming error
            raise ValidationError(str(error)) from error
        return data


class DocumentTypeForm(WordedEmptyChoices, forms.ModelForm[DocumentType]):
    class Meta:
        model = DocumentType
        fields = [
            "code",
            "label",
            "category",
            "delay_days",
            "delay_unit",
            "reminder1_days_before",
            "reminder2_days_after",
            "escalation_percent",
            "processing_mode",
            "implicit_delay",
            "implicit_delay_unit",
            "appeal_routes",
            "default_entity",
            "retention_duration",
            "final_disposition",
        ]


class CustomFieldForm(WordedEmptyChoices, forms.ModelForm[CustomField]):
    """A field of the indexing models: the categories as checkboxes, the choices one a line."""

    categories = forms.MultipleChoiceField(
        label=_("Categories of mail"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: incoming, outgoing and internal mail alike."),
    )
    choices_text = forms.CharField(
        label=_("Choices (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a list of choices only."),
    )

    class Meta:
        model = CustomField
        fields = ["code", "label", "field_type", "required", "categories", "document_types"]
        widgets = {"document_types": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choices_text"].initial = "\n".join(self.instance.choices or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choices = [c.strip() for c in data.get("choices_text", "").splitlines() if c.strip()]
        if data.get("field_type") == CustomFieldType.CHOICE and not choices:
            self.add_error("choices_text", _("Give the choices, one a line."))
        self.instance.choices = choices
        return data


def _active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name")


class CircuitTemplateForm(WordedEmptyChoices, forms.ModelForm[CircuitTemplate]):
    """The steps as rows of (person, visa or signature) instead of a JSON list."""

    class Meta:
        model = CircuitTemplate
        fields = ["label", "entity"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        steps = list(self.instance.steps or []) if self.instance.pk else []
        for row in range(ROWS):
            user_field = forms.ModelChoiceField(
                label=_("Step %(n)s") % {"n": row + 1},
                queryset=_active_users(),
                required=False,
                to_field_name="username",
            )
            role_field = forms.ChoiceField(
                label=_("Role at step %(n)s") % {"n": row + 1},
                choices=VisaStepRole.choices,
                required=False,
                initial=VisaStepRole.VISA,
            )
            self.fields[f"step_{row}_user"], self.fields[f"step_{row}_role"] = (
                user_field,
                role_field,
            )
            if row < len(steps):
                self.initial[f"step_{row}_user"], self.initial[f"step_{row}_role"] = steps[row]

    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"step_{row}_user"], self[f"step_{row}_role"]) for row in range(ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        steps = [
            [data[f"step_{row}_user"].username, data.get(f"step_{row}_role") or VisaStepRole.VISA]
            for row in range(ROWS)
            if data.get(f"step_{row}_user")
        ]
        roles = [role for _user, role in steps]
        if not steps:
            raise ValidationError(_("A circuit needs at least one step."))
        if VisaStepRole.SIGNATURE in roles[:-1] or roles.count(VisaStepRole.SIGNATURE) > 1:
            raise ValidationError(_("Only the last step may be the signature."))
        self.instance.steps = steps
        return data


class DiffusionTemplateForm(WordedEmptyChoices, forms.ModelForm[DiffusionTemplate]):
    """A diffusion list's entries as rows of (main recipient or copy, entity or person)."""

    class Meta:
        model = DiffusionTemplate
        fields = ["label", "entity", "document_type"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entries = list(self.instance.entries.all()) if self.instance.pk else []
        for row in range(ROWS):
            n = {"n": row + 1}
            self.fields[f"entry_{row}_role"] = forms.ChoiceField(
                label=_("Line %(n)s: as") % n,
                choices=DiffusionRole.choices,
                required=False,
                initial=DiffusionRole.COPY,
            )
            self.fields[f"entry_{row}_entity"] = forms.ModelChoiceField(
                label=_("Line %(n)s: entity") % n,
                queryset=Entity.objects.filter(active=True),
                required=False,
            )
            self.fields[f"entry_{row}_user"] = forms.ModelChoiceField(
                label=_("Line %(n)s: or person") % n, queryset=_active_users(), required=False
            )
            if row < len(entries):
                entry = entries[row]
                self.initial.update(
                    {
                        f"entry_{row}_role": entry.role,
                        f"entry_{row}_entity": entry.entity_id,
                        f"entry_{row}_user": entry.user_id,
                    }
                )

    def entry_rows(self) -> list[tuple[forms.BoundField, ...]]:
        return [
            (self[f"entry_{r}_role"], self[f"entry_{r}_entity"], self[f"entry_{r}_user"])
            for r in range(ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.entries = []
        for row in range(ROWS):
            entity, user = data.get(f"entry_{row}_entity"), data.get(f"entry_{row}_user")
            if entity and user:
                raise ValidationError(
                    _("Line %(n)s: choose an entity or a person, not both.") % {"n": row + 1}
                )
            if entity or user:
                role = data.get(f"entry_{row}_role") or DiffusionRole.COPY
                self.entries.append((role, entity, user))
        if not self.entries:
            raise ValidationError(_("A diffusion list needs at least one line."))
        return data

    def save(self, commit: bool = True) -> DiffusionTemplate:
        template = super().save()
        template.entries.all().delete()
        DiffusionTemplateEntry.objects.bulk_create(
            DiffusionTemplateEntry(template=template, role=role, entity=entity, user=user)
            for role, entity, user in self.entries
        )
        return template


class HotFolderForm(WordedEmptyChoices, forms.ModelForm[HotFolder]):
    class Meta:
        model = HotFolder
        fields = ["name", "path", "entity", "document_type", "channel", "split_on_separators"]


class ImapAccountForm(WordedEmptyChoices, forms.ModelForm[ImapAccount]):
    class Meta:
        model = ImapAccount
        fields = [
            "name",
            "host",
            "port",
            "security",
            "username",
            "password_env",
            "folder",
            "mode",
            "post_action",
            "move_to",
            "entity",
            "document_type",
            "acknowledge_senders",
        ]
