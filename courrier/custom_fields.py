"""Validation of Mail.custom_fields against the admin-defined catalogue."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from courrier.models import CustomField, CustomFieldType, DocumentType


def _convert(field: CustomField, value: Any) -> Any:
    kind = field.field_type
    if kind == CustomFieldType.INTEGER:
        return int(value)
    if kind == CustomFieldType.DECIMAL:
        return str(Decimal(str(value)))
    if kind == CustomFieldType.DATE:
        return datetime.date.fromisoformat(str(value)).isoformat()
    if kind == CustomFieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("not a boolean")
        return value
    if kind == CustomFieldType.CHOICE and value not in field.choices:
        raise ValueError("not among the choices")
    return str(value)


def clean_custom_fields(
    values: dict[str, Any], document_type: DocumentType | None
) -> dict[str, Any]:
    """Return the values converted to their JSON form; raise ValidationError naming each field."""
    fields = CustomField.objects.all()
    applicable = fields.filter(Q(document_types__isnull=True) | Q(document_types=document_type))
    by_code = {f.code: f for f in applicable.distinct()}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for code, value in values.items():
        field = by_code.get(code)
        if field is None:
            errors[code] = _("Unknown field for this document type.")
        elif value not in (None, ""):
            try:
                cleaned[code] = _convert(field, value)
            except (ValueError, TypeError, InvalidOperation):
                errors[code] = _("Invalid value for %(label)s.") % {"label": field.label}
    for code, field in by_code.items():
        if field.required and code not in cleaned and code not in errors:
            errors[code] = _("%(label)s is required.") % {"label": field.label}
    if errors:
        raise ValidationError(errors)
    return cleaned
