"""Template helpers of the mail core."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS = {
    "mail.registered": _("Registered"),
    "mail.qualified": _("Qualified"),
    "mail.assigned": _("Assigned"),
    "mail.closed": _("Closed"),
    "mail.linked": _("Linked to another mail"),
    "mail.renditions_stored": _("Document processed"),
    "diffusion.added": _("Added to the diffusion list"),
    "note.added": _("Note added"),
    "attachment.added": _("Attachment added"),
    "attachment.version_added": _("New attachment version"),
    "visa.circuit_started": _("Sent for visa"),
    "contact.created": _("Contact created"),
    "contact.changed": _("Contact changed"),
    "contact.merged": _("Contacts merged"),
}


@register.filter
def action_label(action: str) -> str:
    """The journal action in words; unknown actions show their code."""
    return str(ACTION_LABELS.get(action, action))
