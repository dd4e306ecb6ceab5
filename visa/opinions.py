"""Opinion requests: entities or users asked for their opinion, with a reason and a deadline.

Each one asked receives the mail in copy when its turn comes (all at once in parallel, one
after the other in sequence), answers with a note (and optionally a file); the requester sees
who answered and who is late, and can recall the request.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.models import (
    Attachment,
    AttachmentKind,
    DiffusionListEntry,
    DiffusionRole,
    Entity,
    FollowReason,
    Mail,
    Note,
    User,
)
from courrier.selectors import user_entity_ids
from courrier.services.circulation import store_version
from courrier.services.following import follow
from courrier.services.journal import record_event
from courrier.services.mail import IncomingFile, check_mail_access
from visa.models import AskState, OpinionAsk, OpinionRequest


def _open_turn(ask: OpinionAsk) -> None:
    """The one asked now sees the mail (a copy line) and is waited for."""
    ask.state = AskState.WAITING
    ask.save(update_fields=["state"])
    mail = ask.request.mail
    if not DiffusionListEntry.objects.filter(mail=mail, entity=ask.entity, user=ask.user).exists():
        DiffusionListEntry.objects.create(
            mail=mail, role=DiffusionRole.COPY, entity=ask.entity, user=ask.user
        )


@transaction.atomic
def request_opinion(
    *,
    actor: User,
    mail: Mail,
    asked: Sequence[Entity | User],
    reason: str,
    deadline: datetime.date,
    sequential: bool = False,
) -> OpinionRequest:
    """Ask for opinions; in sequence only the first one is asked now."""
    check_mail_access(actor, mail, "process_mail", processing=True)
    if not asked:
        raise ValidationError(_("Choose at least one entity or user to ask."))
    if not reason.strip():
        raise ValidationError(_("Say what the opinion is about."))
    if deadline < timezone.localdate():
        raise ValidationError(_("The deadline is in the past."))
    request = OpinionRequest.objects.create(
        mail=mail,
        requested_by=actor,
        reason=reason.strip(),
        deadline=deadline,
        sequential=sequential,
    )
    asks = [
        OpinionAsk.objects.create(
            request=request,
            position=n,
            entity=who if isinstance(who, Entity) else None,
            user=who if isinstance(who, User) else None,
        )
        for n, who in enumerate(asked, start=1)
    ]
    for ask in asks[:1] if sequential else asks:
        _open_turn(ask)
    record_event(
        action="opinion.requested",
        actor=actor,
        target=mail,
        details={
            "request": request.pk,
            "asked": [str(w) for w in asked],
            "deadline": deadline,
            "sequential": sequential,
        },
    )
    follow(actor=actor, mail=mail, reason=FollowReason.OPINION, checked=True)
    return request


def waiting_for(user: User) -> Q:
    """Asks that wait for this user, personally or through one of their entities."""
    return Q(state=AskState.WAITING, request__recalled_at__isnull=True) & (
        Q(user=user) | Q(entity_id__in=user_entity_ids(user))
    )


def my_ask(user: User, mail: Mail) -> OpinionAsk | None:
    return (
        OpinionAsk.objects.filter(waiting_for(user), request__mail=mail)
        .select_related("request")
        .first()
    )


@transaction.atomic
def answer_opinion(
    *, actor: User, mail: Mail, text: str, file: IncomingFile | None = None
) -> OpinionAsk:
    """Give my (or my entity's) opinion; in sequence, the next one is asked."""
    check_mail_access(actor, mail)
    ask = my_ask(actor, mail)
    if ask is None:
        raise PermissionDenied(_("No opinion is asked of you on this mail."))
    if not text.strip():
        raise ValidationError(_("Write your opinion."))
    ask.answer = Note.objects.create(
        mail=mail, author=actor, text=_("Opinion: %(text)s") % {"text": text.strip()}
    )
    if file is not None:
        kind, _created = AttachmentKind.objects.get_or_create(
            code="opinion", defaults={"label": "Avis"}
        )
        ask.attachment = Attachment.objects.create(
            mail=mail, kind=kind, title=file.name, created_by=actor
        )
        store_version(actor=actor, attachment=ask.attachment, file=file, number=1)
    ask.state, ask.answered_by, ask.answered_at = AskState.ANSWERED, actor, timezone.now()
    ask.save(update_fields=["answer", "attachment", "state", "answered_by", "answered_at"])
    following = ask.request.asks.filter(state=AskState.QUEUED).order_by("position").first()
    if ask.request.sequential and following is not None:
        _open_turn(following)
    record_event(
        action="opinion.given",
        actor=actor,
        target=mail,
        details={
            "request": ask.request_id,
            "for": str(ask),
            "note": ask.answer.pk,
            "next": str(following) if ask.request.sequential and following else None,
        },
    )
    return ask


@transaction.atomic
def recall_opinion(*, actor: User, request: OpinionRequest) -> int:
    """Stop waiting: the requester resumes processing; answers already given stay."""
    if request.requested_by_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only the requester can recall this request."))
    if request.recalled_at is not None:
        raise ValidationError(_("This request is already recalled."))
    request.recalled_at = timezone.now()
    request.save(update_fields=["recalled_at"])
    count = request.asks.filter(state__in=[AskState.QUEUED, AskState.WAITING]).update(
        state=AskState.RECALLED
    )
    record_event(
        action="opinion.recalled",
        actor=actor,
        target=request.mail,
        details={"request": request.pk, "recalled": count},
    )
    return count


def opinion_requests(mail: Mail) -> QuerySet[OpinionRequest]:
    return mail.opinion_requests.select_related("requested_by").prefetch_related(
        "asks__entity", "asks__user", "asks__answer", "asks__answered_by"
    )
