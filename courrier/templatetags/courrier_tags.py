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
    "mail.redirected": _("Redirected"),
    "mail.put_on_hold": _("Put on hold"),
    "mail.resumed": _("Resumed"),
    "mail.reopened": _("Reopened"),
    "mail.read": _("Copy read"),
    "mail.filed": _("Added to a folder"),
    "diffusion.copy_sent": _("Copy sent"),
    "diffusion.removed": _("Removed from the diffusion list"),
    "diffusion.template_applied": _("Diffusion template applied"),
    "attachment.returned": _("Transmission returned"),
    "absence.declared": _("Absence declared"),
    "absence.cancelled": _("Absence cancelled"),
    "mail.linked": _("Linked to another mail"),
    "mail.renditions_stored": _("Document processed"),
    "diffusion.added": _("Added to the diffusion list"),
    "note.added": _("Note added"),
    "attachment.added": _("Attachment added"),
    "attachment.version_added": _("New attachment version"),
    "visa.circuit_started": _("Sent for visa"),
    "visa.circuit_restarted": _("Visa circuit restarted (new version)"),
    "contact.created": _("Contact created"),
    "contact.changed": _("Contact changed"),
    "contact.merged": _("Contacts merged"),
}


@register.filter
def action_label(action: str) -> str:
    """The journal action in words; unknown actions show their code."""
    return str(ACTION_LABELS.get(action, action))
