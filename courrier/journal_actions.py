"""How the core's journal events read in a mail's history; other apps describe theirs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from courrier.extensions import JournalAction

CORE_JOURNAL_ACTIONS = [
    JournalAction("mail.registered", _("Registered"), workflow=True),
    JournalAction("mail.qualified", _("Qualified"), workflow=True),
    JournalAction("mail.assigned", _("Assigned"), workflow=True),
    JournalAction("mail.closed", _("Closed"), workflow=True),
    JournalAction("mail.redirected", _("Redirected"), workflow=True),
    JournalAction("mail.put_on_hold", _("Put on hold"), workflow=True),
    JournalAction("mail.resumed", _("Resumed"), workflow=True),
    JournalAction("mail.reopened", _("Reopened"), workflow=True),
    JournalAction("mail.read", _("Copy read")),
    JournalAction("mail.filed", _("Added to a folder")),
    JournalAction("diffusion.copy_sent", _("Copy sent")),
    JournalAction("diffusion.removed", _("Removed from the diffusion list")),
    JournalAction("diffusion.template_applied", _("Diffusion template applied")),
    JournalAction("attachment.returned", _("Transmission returned")),
    JournalAction("absence.declared", _("Absence declared")),
    JournalAction("absence.cancelled", _("Absence cancelled")),
    JournalAction("mail.linked", _("Linked to another mail")),
    JournalAction("mail.renditions_stored", _("Document processed")),
    JournalAction("diffusion.added", _("Added to the diffusion list")),
    JournalAction("note.added", _("Note added")),
    JournalAction("attachment.added", _("Attachment added")),
    JournalAction("attachment.version_added", _("New attachment version")),
    JournalAction("contact.created", _("Contact created")),
    JournalAction("contact.changed", _("Contact changed")),
    JournalAction("contact.merged", _("Contacts merged")),
    JournalAction("reply.sent", _("Reply sent"), workflow=True),
    JournalAction("mail.lock_taken_over", _("Taken over from a colleague")),
    JournalAction("auth.login", _("Signed in")),
    JournalAction("auth.logout", _("Signed out")),
    JournalAction("auth.login_failed", _("Failed sign-in")),
    JournalAction("auth.locked_out", _("Sign-in suspended after failed attempts")),
    JournalAction("auth.password_changed", _("Password changed")),
    JournalAction("admin.created", _("Created in the administration")),
    JournalAction("admin.changed", _("Changed in the administration")),
    JournalAction("admin.deleted", _("Deleted in the administration")),
]
