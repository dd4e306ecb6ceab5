"""From the core's domain events to notifications: who is told what when a mail moves.

Each handler reads the journal event that fired it (its details say what happened) and the
mail as it is now, then names the people concerned; `notify` keeps to their perimeter, their
preferences and their absences.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from capture.models import CaptureInput
from courrier.events import JournalCheckFailed, JournalEventRecorded, MailChanged, subscribe
from courrier.models import DiffusionListEntry, JournalEvent, Mail, Role, User
from notifications.emails import day_label
from notifications.recipients import managers_of, processors_of, workers_of
from notifications.services import is_muted, notify, users_with
from visa.models import (
    AskState,
    OpinionAsk,
    OpinionRequest,
    ParapheurRequest,
    VisaStep,
    VisaStepRole,
    VisaStepState,
)

Handler = Callable[[Mail, JournalEvent], None]


def _actor_name(event: JournalEvent) -> str:
    return str(event.actor) if event.actor else _("Bannette (automatic)")


def _arrived(mail: Mail, event: JournalEvent) -> None:
    """Qualified or redirected: the mail is in the baskets of its assignee or its service."""
    if mail.assignee_id is not None and event.action == "mail.redirected":
        notify(
            "redirected_to_me",
            [mail.assignee] if mail.assignee else [],
            mail=mail,
            params={"actor": _actor_name(event)},
            key=f"seq:{event.seq}",
            actor=event.actor,
        )
        return
    notify("mail_arrived", workers_of(mail), mail=mail, key=f"seq:{event.seq}", actor=event.actor)
    if event.action == "mail.qualified":
        _copies(mail, event)


def _assigned(mail: Mail, event: JournalEvent) -> None:
    if mail.assignee is not None:
        notify(
            "redirected_to_me",
            [mail.assignee],
            mail=mail,
            params={"actor": _actor_name(event)},
            key=f"seq:{event.seq}",
            actor=event.actor,
        )


def _copies(mail: Mail, event: JournalEvent) -> None:
    users: list[User] = []
    for entry in DiffusionListEntry.objects.filter(mail=mail, role="copy").select_related("user"):
        users += [entry.user] if entry.user else processors_of(entry.entity_id)
    notify("copy_received", users, mail=mail, key=f"seq:{event.seq}", actor=event.actor)


def _opinion_asks(mail: Mail, event: JournalEvent) -> None:
    """Whoever's turn it is now: the asks waiting for an answer (one by one, or all at once)."""
    for ask in OpinionAsk.objects.filter(request__mail=mail, state=AskState.WAITING).select_related(
        "request__requested_by", "user"
    ):
        users = [ask.user] if ask.user else processors_of(ask.entity_id)
        notify(
            "opinion_asked",
            users,
            mail=mail,
            params={
                "actor": str(ask.request.requested_by),
                "deadline": day_label(ask.request.deadline),
            },
            key=f"opinion-ask:{ask.pk}",
            actor=event.actor,
        )


def _opinion_given(mail: Mail, event: JournalEvent) -> None:
    request_id = int((event.details or {}).get("request") or 0)
    request = OpinionRequest.objects.filter(pk=request_id).select_related("requested_by").first()
    notify(
        "opinion_answered",
        [request.requested_by] if request else [],
        mail=mail,
        params={"actor": _actor_name(event)},
        key=f"seq:{event.seq}",
        actor=event.actor,
    )
    _opinion_asks(mail, event)


def _visa_turn(mail: Mail, event: JournalEvent) -> None:
    step = VisaStep.objects.filter(mail=mail, state=VisaStepState.CURRENT).select_related("user")
    current = step.first()
    if current is None:
        return
    kind = "signature_waiting" if current.role == VisaStepRole.SIGNATURE else "visa_waiting"
    notify(kind, [current.user], mail=mail, key=f"seq:{event.seq}", actor=event.actor)


def _returned(mail: Mail, event: JournalEvent) -> None:
    users = [mail.assignee] if mail.assignee else workers_of(mail)
    notify(
        "draft_returned",
        users,
        mail=mail,
        params={"actor": _actor_name(event)},
        key=f"seq:{event.seq}",
        actor=event.actor,
    )


def _parapheur(mail: Mail, event: JournalEvent) -> None:
    request = ParapheurRequest.objects.filter(mail=mail).order_by("-pk").first()
    users = [request.requested_by] if request else workers_of(mail)
    signed = event.action == "parapheur.signed"
    outcome = pgettext("reply", "signed") if signed else pgettext("reply", "refused")
    notify(
        "parapheur_return",
        users,
        mail=mail,
        params={"outcome": outcome},
        key=f"seq:{event.seq}",
    )


def _implicit_decision(mail: Mail, event: JournalEvent) -> None:
    details = event.details or {}
    acceptance = details.get("decision") == "acceptance"
    born = details.get("acceptance_born_on") or details.get("rejection_born_on")
    notify(
        "implicit_decision",
        workers_of(mail) + managers_of(mail.destination_entity),
        mail=mail,
        params={
            "decision": _("Implicit acceptance") if acceptance else _("Implicit rejection"),
            "born_on": day_label(born),
        },
        key=f"seq:{event.seq}",
    )


def _followed_closed(mail: Mail, event: JournalEvent) -> None:
    followers = User.objects.filter(followed_mails__mail=mail, is_active=True)
    notify("followed_closed", followers, mail=mail, key=f"seq:{event.seq}", actor=event.actor)


HANDLERS: dict[str, Handler] = {
    "mail.closed": _followed_closed,
    "mail.qualified": _arrived,
    "mail.redirected": _arrived,
    "internal.sent": _arrived,
    "mail.assigned": _assigned,
    "diffusion.copy_sent": _copies,
    "diffusion.added": _copies,
    "opinion.requested": _opinion_asks,
    "opinion.given": _opinion_given,
    "visa.circuit_started": _visa_turn,
    "visa.circuit_restarted": _visa_turn,
    "visa.approved": _visa_turn,
    "visa.rejected": _returned,
    "parapheur.signed": _parapheur,
    "parapheur.refused": _parapheur,
    "deadline.implicit_decision_born": _implicit_decision,
}


def on_mail_changed(event: MailChanged) -> None:
    handler = HANDLERS.get(event.action)
    if handler is None or is_muted():
        return
    recorded = JournalEvent.objects.select_related("actor").get(seq=event.seq)
    mail = Mail.objects.select_related("assignee", "destination_entity").get(pk=event.mail_id)
    handler(mail, recorded)


WATCHED_JOURNAL_ACTIONS = ("capture.failed",)  # journal events that are not about a mail


def on_journal_event(event: JournalEventRecorded) -> None:
    if event.action not in WATCHED_JOURNAL_ACTIONS or is_muted():
        return
    details = JournalEvent.objects.get(seq=event.seq).details or {}
    capture_input = CaptureInput.objects.filter(pk=event.object_id).first()
    notify(
        "capture_error",
        users_with("capture.retry_captureinput"),
        params={
            "file": capture_input.file_name if capture_input else "?",
            "reason": details.get("reason", ""),
        },
        key=f"seq:{event.seq}",
    )


def on_journal_check_failed(event: JournalCheckFailed) -> None:
    administrators = User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True)
    superusers = User.objects.filter(is_superuser=True, is_active=True)
    notify(
        "journal_failure",
        list(administrators) + list(superusers),
        params={"count": len(event.problems), "first": event.problems[0] if event.problems else ""},
    )


def connect() -> None:
    subscribe(MailChanged, on_mail_changed)
    subscribe(JournalEventRecorded, on_journal_event)
    subscribe(JournalCheckFailed, on_journal_check_failed)
