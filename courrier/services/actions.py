"""The actions catalogue: what can be done to a mail, offered per basket and role, in batch too.

Each action is one service (its own permission check and one journal event); this module only
says which actions apply to which mail, and runs a batch mail by mail so one refusal does not
stop the others.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from courrier.models import Basket, Entity, Folder, Mail, MailStatus, User
from courrier.selectors import can_process_mail
from courrier.services import legal, processing
from courrier.services import mail as mail_services

_OPEN = frozenset({MailStatus.IN_PROGRESS, MailStatus.ON_HOLD})
_ANY = frozenset(MailStatus.values)


@dataclass(frozen=True)
class Acting:
    """Who clicks, and for whom when standing in for an absent colleague."""

    actor: User
    on_behalf_of: User | None = None

    @property
    def principal(self) -> User:
        return self.on_behalf_of or self.actor


@dataclass
class ActionInput:
    """What the action form asked for; each action reads the fields it needs."""

    entity: Entity | None = None
    user: User | None = None
    note: str = ""
    restricted_to: Sequence[Entity] = ()
    folder: Folder | None = None
    other: Mail | None = None
    text: str = ""  # missing pieces asked for, competent authority
    day: datetime.date | None = None


@dataclass(frozen=True)
class Action:
    code: str
    label: str | Promise
    permission: str | None
    statuses: frozenset[str]
    asks: tuple[str, ...]
    run: Callable[[Acting, Mail, ActionInput], Any]
    confirm: bool = False
    for_processors: bool = True  # False: also for readers (a copy, a wide view)
    done: str | Promise = ""  # what the person reads once it is done (a past participle)
    leaves: bool = False  # the mail leaves the person: back to her baskets afterwards


def _redirect(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    return processing.redirect_mail(
        actor=acting.actor,
        mail=mail,
        entity=given.entity,
        user=given.user,
        note=given.note,
        restricted_to=given.restricted_to,
        on_behalf_of=acting.on_behalf_of,
    )


def _close(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    return mail_services.close_mail(
        actor=acting.actor,
        mail=mail,
        comment=given.note,
        restricted_to=given.restricted_to,
        on_behalf_of=acting.on_behalf_of,
    )


def _assign_to_me(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    if mail.assignee_id == acting.actor.pk:
        raise ValidationError(_("This mail is already yours."))
    return mail_services.assign_mail(
        actor=acting.actor, mail=mail, assignee=acting.actor, on_behalf_of=acting.on_behalf_of
    )


def _link(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    if given.other is None:
        raise ValidationError(_("Give the chrono number of the mail to link."))
    return mail_services.link_mails(
        actor=acting.actor, mail=mail, other=given.other, on_behalf_of=acting.on_behalf_of
    )


def _folder(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    if given.folder is None:
        raise ValidationError(_("Choose a folder."))
    return processing.add_to_folder(
        actor=acting.actor, mail=mail, folder=given.folder, on_behalf_of=acting.on_behalf_of
    )


def _copy(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    return processing.send_copy(
        actor=acting.actor,
        mail=mail,
        entity=None if given.user else given.entity,
        user=given.user,
        on_behalf_of=acting.on_behalf_of,
    )


def _request_pieces(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    return legal.request_missing_pieces(
        actor=acting.actor,
        mail=mail,
        pieces=given.text,
        due_on=given.day,
        on_behalf_of=acting.on_behalf_of,
    )


def _pieces_received(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    return legal.record_pieces_received(
        actor=acting.actor, mail=mail, received_on=given.day, on_behalf_of=acting.on_behalf_of
    )


def _transfer(acting: Acting, mail: Mail, given: ActionInput) -> Any:
    return legal.transfer_to_competent_authority(
        actor=acting.actor, mail=mail, authority=given.text, on_behalf_of=acting.on_behalf_of
    )


def _simple(service: Callable[..., Any]) -> Callable[[Acting, Mail, ActionInput], Any]:
    def run(acting: Acting, mail: Mail, given: ActionInput) -> Any:
        return service(actor=acting.actor, mail=mail, on_behalf_of=acting.on_behalf_of)

    return run


CATALOGUE: dict[str, Action] = {
    a.code: a
    for a in [
        Action(
            code="redirect",
            label=_("Redirect"),
            permission="redirect_mail",
            statuses=_OPEN,
            asks=("entity", "user", "note"),
            run=_redirect,
            done=_("Mail redirected."),
            leaves=True,
        ),
        Action(
            code="assign_to_me",
            label=_("Assign to me"),
            permission="process_mail",
            statuses=_OPEN,
            asks=(),
            run=_assign_to_me,
            done=_("The mail is assigned to you."),
        ),
        Action(
            code="hold",
            label=_("Put on hold"),
            permission="process_mail",
            statuses=frozenset({MailStatus.IN_PROGRESS}),
            asks=(),
            run=_simple(processing.put_on_hold),
            done=_("Mail put on hold."),
        ),
        Action(
            code="resume",
            label=_("Resume"),
            permission="process_mail",
            statuses=frozenset({MailStatus.ON_HOLD}),
            asks=(),
            run=_simple(processing.resume_mail),
            done=_("Processing resumed."),
        ),
        Action(
            code="close",
            label=_("Close"),
            permission="close_mail",
            statuses=_OPEN | {MailStatus.TO_SEND},
            asks=("note",),
            run=_close,
            confirm=True,
            done=_("Mail closed."),
        ),
        Action(
            code="reopen",
            label=_("Reopen"),
            permission="close_mail",
            statuses=frozenset({MailStatus.CLOSED}),
            asks=(),
            run=_simple(processing.reopen_mail),
            done=_("Mail reopened."),
        ),
        Action(
            code="mark_read",
            label=_("Mark as read"),
            permission=None,
            statuses=_ANY,
            asks=(),
            run=_simple(processing.mark_read),
            for_processors=False,
            done=_("Marked as read."),
        ),
        Action(
            code="add_to_folder",
            label=_("Add to a folder"),
            permission="process_mail",
            statuses=_ANY,
            asks=("folder",),
            run=_folder,
            for_processors=False,
            done=_("Added to the folder."),
        ),
        Action(
            code="link",
            label=_("Link to a mail"),
            permission=None,
            statuses=_ANY,
            asks=("other",),
            run=_link,
            for_processors=False,
            done=_("Mails linked."),
        ),
        Action(
            code="send_copy",
            label=_("Send a copy"),
            permission="process_mail",
            statuses=_ANY - {MailStatus.CLOSED},
            asks=("entity", "user"),
            run=_copy,
            done=_("Copy sent."),
        ),
        Action(
            code="request_pieces",
            label=_("Ask for missing pieces"),
            permission="process_mail",
            statuses=_OPEN,
            asks=("pieces", "pieces_due_on"),
            run=_request_pieces,
            done=_("Missing pieces requested: the delays are suspended."),
        ),
        Action(
            code="pieces_received",
            label=_("Missing pieces received"),
            permission="process_mail",
            statuses=_OPEN,
            asks=("received_on",),
            run=_pieces_received,
            done=_("Receipt of the missing pieces recorded: the delays run again."),
        ),
        Action(
            code="transfer",
            label=_("Send to the competent authority"),
            permission="close_mail",
            statuses=_OPEN,
            asks=("authority",),
            run=_transfer,
            confirm=True,
            done=_("Sent to the competent authority."),
        ),
    ]
}

# Offered only while the delays are suspended, or only while they run.
_WHILE_SUSPENDED = {"pieces_received"}
_WHILE_RUNNING = {"request_pieces"}


def basket_actions(basket: Basket | None, principal: User) -> list[Action]:
    """Actions of the basket (all when it lists none) that the principal's role allows."""
    codes = basket.actions if basket is not None and basket.actions else list(CATALOGUE)
    return [
        CATALOGUE[code]
        for code in codes
        if code in CATALOGUE
        and (
            CATALOGUE[code].permission is None
            or principal.has_perm(f"courrier.{CATALOGUE[code].permission}")
        )
    ]


def mail_actions(mail: Mail, principal: User, basket: Basket | None = None) -> list[Action]:
    """Actions that make sense for this mail now (its status; unread copies for mark_read)."""
    offered = [a for a in basket_actions(basket, principal) if mail.status in a.statuses]
    if not can_process_mail(principal, mail):
        offered = [a for a in offered if not a.for_processors]
    if not processing.unread_copies(principal, mail).exists():
        offered = [a for a in offered if a.code != "mark_read"]
    if mail.assignee_id == principal.pk:
        offered = [a for a in offered if a.code != "assign_to_me"]  # already theirs
    hidden = _WHILE_RUNNING if mail.suspended_since else _WHILE_SUSPENDED
    return [a for a in offered if a.code not in hidden]


def perform(acting: Acting, code: str, mail: Mail, given: ActionInput) -> None:
    action = CATALOGUE.get(code)
    if action is None:
        raise ValidationError(_("Unknown action."))
    if mail.status not in action.statuses:
        raise PermissionDenied(
            _("Not possible while the mail is %(status)s.") % {"status": mail.get_status_display()}
        )
    action.run(acting, mail, given)


def refusal_text(exc: PermissionDenied | ValidationError) -> str:
    """What to tell the user when a service refused: its first message."""
    return exc.messages[0] if isinstance(exc, ValidationError) else str(exc)


@dataclass
class BatchReport:
    done: list[Mail] = field(default_factory=list)
    refused: list[tuple[Mail, str]] = field(default_factory=list)


def perform_batch(
    acting: Acting, code: str, mails: Iterable[Mail], given: ActionInput
) -> BatchReport:
    """Run the action on each mail in its own transaction; refusals are reported, not fatal."""
    report = BatchReport()
    for mail in mails:
        try:
            perform(acting, code, mail, given)
        except (PermissionDenied, ValidationError) as exc:
            report.refused.append((mail, refusal_text(exc)))
        else:
            report.done.append(mail)
    return report
