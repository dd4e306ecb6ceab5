"""How the core's journal events read in a mail's history; other apps describe theirs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courrier.extensions import JournalAction

CORE_JOURNAL_ACTIONS = [
    JournalAction(
        "mail.registered",
        _("Registered"),
        workflow=True,
        sentences=(_("Registered as %(chrono_number)s"),),
    ),
    JournalAction(
        "mail.qualified",
        _("Qualified"),
        workflow=True,
        sentences=(
            _("Qualified as %(document_type)s for %(destination_entity)s, due %(due_date)s"),
            _("Qualified for %(destination_entity)s"),
        ),
    ),
    JournalAction(
        "mail.assigned", _("Assigned"), workflow=True, sentences=(_("Assigned to %(assignee)s"),)
    ),
    JournalAction(
        "mail.closed", _("Closed"), workflow=True, sentences=(_("Closed: “%(comment)s”"),)
    ),
    JournalAction(
        "mail.redirected",
        _("Redirected"),
        workflow=True,
        sentences=(
            _("Redirected from %(from)s to %(user)s (%(to)s)"),
            _("Redirected from %(from)s to %(to)s"),
            _("Redirected to %(to)s"),
        ),
    ),
    JournalAction("mail.put_on_hold", pgettext_lazy("history", "Put on hold"), workflow=True),
    JournalAction("mail.resumed", _("Resumed"), workflow=True),
    JournalAction("mail.reopened", _("Reopened"), workflow=True),
    JournalAction("mail.read", _("Copy read")),
    JournalAction("mail.followed", _("Followed")),
    JournalAction("mail.unfollowed", _("No longer followed")),
    JournalAction(
        "folder.created", _("Folder created"), sentences=(_("Folder “%(label)s” created"),)
    ),
    JournalAction(
        "mail.filed", _("Added to a folder"), sentences=(_("Added to the folder “%(label)s”"),)
    ),
    JournalAction(
        "diffusion.copy_sent",
        _("Copy sent"),
        sentences=(_("Copy sent to %(user)s"), _("Copy sent to %(entity)s")),
    ),
    JournalAction(
        "diffusion.removed",
        _("Removed from the diffusion list"),
        sentences=(_("%(who)s removed from the diffusion list"),),
    ),
    JournalAction(
        "diffusion.template_applied",
        _("Diffusion template applied"),
        sentences=(_("Diffusion template “%(template)s” applied"),),
    ),
    JournalAction(
        "attachment.returned",
        _("Transmission returned"),
        sentences=(_("Transmission %(chrono_number)s returned on %(returned_on)s"),),
    ),
    JournalAction("absence.declared", _("Absence declared")),
    JournalAction("absence.cancelled", _("Absence cancelled")),
    JournalAction(
        "mail.linked", _("Linked to another mail"), sentences=(_("Linked to %(linked)s"),)
    ),
    JournalAction("mail.renditions_stored", _("Document processed")),
    JournalAction(
        "diffusion.added",
        _("Added to the diffusion list"),
        sentences=(
            _("%(user)s added to the diffusion list"),
            _("%(entity)s added to the diffusion list"),
        ),
    ),
    JournalAction(
        "note.added", _("Note added"), sentences=(_("Note added, restricted to %(restricted_to)s"),)
    ),
    JournalAction(
        "attachment.added", _("Attachment added"), sentences=(_("Attachment “%(title)s” added"),)
    ),
    JournalAction(
        "attachment.version_added",
        _("New attachment version"),
        sentences=(_("Version %(version)s added"),),
    ),
    JournalAction(
        "contact.created", _("Contact created"), sentences=(_("Contact “%(name)s” created"),)
    ),
    JournalAction(
        "contact.changed", _("Contact changed"), sentences=(_("Contact “%(name)s” changed"),)
    ),
    JournalAction("contact.merged", _("Contacts merged")),
    JournalAction("reply.sent", _("Reply sent"), workflow=True),
    JournalAction(
        "letter.started",
        _("Letter started"),
        workflow=True,
        sentences=(_("Written by %(from)s for %(to)s"), _("Written by %(from)s")),
    ),
    JournalAction(
        "letter.sent", _("Letter sent"), workflow=True, sentences=(_("Sent by %(channel)s"),)
    ),
    JournalAction(
        "internal.sent",
        _("Internal mail sent"),
        workflow=True,
        sentences=(_("Sent from %(from)s to %(to)s"),),
    ),
    JournalAction("mail.sent", _("E-mail sent"), sentences=(_("E-mail sent to %(to)s"),)),
    JournalAction(
        "mail.duplicate_flagged",
        _("Flagged as a possible duplicate"),
        sentences=(
            _("Flagged as a possible duplicate of %(duplicate_of)s"),
            _("Flagged as a possible duplicate of a mail already registered"),
        ),
    ),
    JournalAction(
        "mail.lock_taken_over",
        _("Taken over from a colleague"),
        sentences=(_("Taken over from %(from)s"),),
    ),
    JournalAction(
        "acknowledgment.sent",
        _("Acknowledgment sent"),
        workflow=True,
        sentences=(
            _("Acknowledgment sent to %(to)s"),
            _("Acknowledgment printed for %(addressee)s"),
            _("Acknowledgment printed"),
        ),
    ),
    JournalAction(
        "acknowledgment.failed",
        _("Acknowledgment not sent"),
        workflow=True,
        sentences=(_("The acknowledgment to %(to)s could not be sent"),),
    ),
    JournalAction(
        "requester.informed",
        _("Requester informed"),
        workflow=True,
        sentences=(
            _("Requester informed at %(to)s"),
            _("Letter printed for %(addressee)s"),
            _("Letter to the requester printed"),
        ),
    ),
    JournalAction(
        "requester.letter_to_print",
        _("Letter to the requester to print"),
        workflow=True,
        sentences=(_("The requester has no e-mail address: a letter is to be printed"),),
    ),
    JournalAction(
        "deadline.suspended",
        _("Delays suspended"),
        workflow=True,
        sentences=(
            _(
                "Missing pieces asked for, to be sent by %(pieces_due_on)s: %(pieces)s; the "
                "delays are suspended"
            ),
            _("Missing pieces asked for: %(pieces)s; the delays are suspended"),
        ),
    ),
    JournalAction(
        "deadline.resumed",
        _("Delays resumed"),
        workflow=True,
        sentences=(
            _(
                "The time for the missing pieces ended on %(pieces_due_on)s (they came on "
                "%(late_pieces_on)s); the delay of the implicit rejection runs on, to "
                "%(implicit_decision_date)s"
            ),
            _(
                "The time for the missing pieces ended on %(pieces_due_on)s without them; the "
                "delay of the implicit rejection runs on, to %(implicit_decision_date)s"
            ),
        ),
    ),
    JournalAction(
        "deadline.restarted",
        _("Delays restarted"),
        workflow=True,
        sentences=(_("Missing pieces received on %(received_on)s; the delays run again"),),
    ),
    JournalAction(
        "mail.transferred",
        _("Sent to the competent authority"),
        workflow=True,
        sentences=(_("Sent to the competent authority: %(authority)s"),),
    ),
    JournalAction(
        "deadline.implicit_decision_born",
        _("Implicit decision born"),
        workflow=True,
        sentences=(
            _("Implicit acceptance born on %(acceptance_born_on)s"),
            _("Implicit rejection born on %(rejection_born_on)s"),
        ),
    ),
    JournalAction("auth.login", _("Signed in")),
    JournalAction("auth.logout", _("Signed out")),
    JournalAction("auth.login_failed", _("Failed sign-in")),
    JournalAction("auth.locked_out", _("Sign-in suspended after failed attempts")),
    JournalAction("auth.password_changed", _("Password changed")),
    JournalAction("admin.created", _("Created in the administration")),
    JournalAction("admin.changed", _("Changed in the administration")),
    JournalAction("admin.deleted", _("Deleted in the administration")),
]
