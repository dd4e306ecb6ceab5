"""Administration screens for the reference data (entities, types, baskets, users...)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courrier import models
from courrier.admin_journal import JournaledAdminMixin
from courrier.services.contacts import refresh_normalized

_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """A permission in the reader's language: Django stores its name in English."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in _ACTIONS and model_name == model._meta.model_name:
        name = _ACTIONS[action] % {"model": model._meta.verbose_name}
    else:
        name = gettext(permission.name)
    app = apps.get_app_config(permission.content_type.app_label).verbose_name
    return f"{app} | {name}"


class TranslatedPermissions:
    """Put first in the bases of an admin editing permissions: their choices read in French."""

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and db_field.related_model is Permission:
            field.queryset = field.queryset.select_related("content_type")
            field.label_from_instance = permission_label
        return field


@admin.register(models.Entity)
class EntityAdmin(JournaledAdminMixin, admin.ModelAdmin[models.Entity]):
    list_display = ("code", "label", "entity_type", "parent", "active")
    list_filter = ("entity_type", "active")
    search_fields = ("code", "label", "short_label")
    autocomplete_fields = ("parent",)


@admin.register(models.User)
class BannetteUserAdmin(TranslatedPermissions, JournaledAdminMixin, UserAdmin[models.User]):
    list_display = ("username", "first_name", "last_name", "primary_entity", "is_active")
    list_filter = ("groups", "is_active", "primary_entity")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Organisation"), {"fields": ("primary_entity", "entities")}),
    )
    filter_horizontal = ("groups", "user_permissions", "entities")


@admin.register(models.DocumentType)
class DocumentTypeAdmin(
    JournaledAdminMixin, admin.ModelAdmin[models.DocumentType]
):  # searchable: capture rules pick types by autocomplete
    list_display = ("code", "label", "category", "delay_days", "delay_unit", "processing_mode")
    list_filter = ("category", "processing_mode", "active")
    search_fields = ("code", "label")


@admin.register(models.CustomField)
class CustomFieldAdmin(JournaledAdminMixin, admin.ModelAdmin[models.CustomField]):
    list_display = ("code", "label", "field_type", "required")
    filter_horizontal = ("document_types",)


class ContactAddressInline(admin.StackedInline[models.ContactAddress, models.Contact]):
    model = models.ContactAddress
    extra = 0


@admin.register(models.Contact)
class ContactAdmin(JournaledAdminMixin, admin.ModelAdmin[models.Contact]):
    list_display = ("__str__", "kind", "email", "city", "active")
    list_filter = ("kind", "active")
    search_fields = ("last_name", "first_name", "organisation_name", "email", "normalized_name")
    inlines = [ContactAddressInline]
    exclude = ("merged_into",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        refresh_normalized(obj)
        super().save_model(request, obj, form, change)


@admin.register(models.Basket)
class BasketAdmin(JournaledAdminMixin, admin.ModelAdmin[models.Basket]):
    list_display = ("code", "label", "position", "redirect_scope", "active")
    filter_horizontal = ("roles",)


@admin.register(models.AttachmentKind)
class AttachmentKindAdmin(JournaledAdminMixin, admin.ModelAdmin[models.AttachmentKind]):
    list_display = ("code", "label", "has_chrono_number", "chrono_suffix", "expects_return")


@admin.register(models.Keyword)
class KeywordAdmin(JournaledAdminMixin, admin.ModelAdmin[models.Keyword]):
    search_fields = ("label",)


@admin.register(models.JournalEvent)
class JournalEventAdmin(admin.ModelAdmin[models.JournalEvent]):
    """Read-only: the journal is append-only."""

    list_display = ("seq", "timestamp", "actor_name", "on_behalf_of_name", "action", "object_type")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_id", "action")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.JournalEvent]:
        return super().get_queryset(request).order_by("-seq")


class DiffusionTemplateEntryInline(
    admin.TabularInline[models.DiffusionTemplateEntry, models.DiffusionTemplate]
):
    model = models.DiffusionTemplateEntry
    autocomplete_fields = ("entity", "user")
    extra = 1


@admin.register(models.DiffusionTemplate)
class DiffusionTemplateAdmin(JournaledAdminMixin, admin.ModelAdmin[models.DiffusionTemplate]):
    list_display = ("label", "entity", "document_type")
    list_filter = ("entity", "document_type")
    autocomplete_fields = ("entity", "document_type")
    inlines = [DiffusionTemplateEntryInline]


@admin.register(models.NoteTemplate)
class NoteTemplateAdmin(JournaledAdminMixin, admin.ModelAdmin[models.NoteTemplate]):
    list_display = ("label", "entity")
    list_filter = ("entity",)
    search_fields = ("label", "text")


@admin.register(models.Folder)
class FolderAdmin(JournaledAdminMixin, admin.ModelAdmin[models.Folder]):
    list_display = ("label", "entity", "created_at")
    list_filter = ("entity",)
    search_fields = ("label",)
    exclude = ("mails",)  # mail is filed from its page, where the perimeter is checked


class BasketDelegationInline(admin.TabularInline[models.BasketDelegation, models.Absence]):
    model = models.BasketDelegation
    autocomplete_fields = ("substitute",)
    extra = 1


@admin.register(models.Absence)
class AbsenceAdmin(JournaledAdminMixin, admin.ModelAdmin[models.Absence]):
    list_display = ("user", "start", "end", "reason", "cancelled")
    list_filter = ("cancelled",)
    autocomplete_fields = ("user",)
    inlines = [BasketDelegationInline]


# Roles are groups: changing their permissions is journaled too.
admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(TranslatedPermissions, JournaledAdminMixin, GroupAdmin):
    list_display = ["name", "role_label"]

    @admin.display(description=_("role"))
    def role_label(self, group: Group) -> str:
        return str(models.Role.LABELS.get(group.name, group.name))


def _journal_sign_in_records() -> None:
    """django-axes' records of sign-in attempts: deleting one lifts a lockout, which is
    journaled like any other change made in the administration."""
    from axes import admin as axes_admin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model, base in (
        (AccessAttempt, axes_admin.AccessAttemptAdmin),
        (AccessLog, axes_admin.AccessLogAdmin),
        (AccessFailureLog, axes_admin.AccessFailureLogAdmin),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(
            model, type(f"Journaled{base.__name__}", (JournaledAdminMixin, base), {})
        )


_journal_sign_in_records()
