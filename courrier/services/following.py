"""Following mail (« Mes suivis »): a person keeps an eye on mail she redirected, asked an
opinion on, or flagged; she keeps reading it (the core's perimeter counts it) until she stops."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from courrier.models import FollowedMail, FollowReason, Mail, User
from courrier.services.journal import record_event
from courrier.services.mail import check_mail_access


@transaction.atomic
def follow(
    *, actor: User, mail: Mail, reason: str = FollowReason.FLAGGED, checked: bool = False
) -> FollowedMail:
    """Follow a mail one may open now (`checked`: the caller's own service just checked). A
    follow that comes with a redirection or an opinion request is told by that event's own
    journal line; one chosen on its own is journaled."""
    if not checked:
        check_mail_access(actor, mail)
    followed, created = FollowedMail.objects.get_or_create(
        user=actor, mail=mail, defaults={"reason": reason}
    )
    if created and reason == FollowReason.FLAGGED:
        record_event(action="mail.followed", actor=actor, target=mail, details={"reason": reason})
    return followed


@transaction.atomic
def unfollow(*, actor: User, mail: Mail) -> bool:
    deleted, _rows = FollowedMail.objects.filter(user=actor, mail=mail).delete()
    if deleted:
        record_event(action="mail.unfollowed", actor=actor, target=mail, details={})
    return bool(deleted)


def followed_q(user: User) -> Q:
    """The mail a person follows: part of what she may read."""
    return Q(pk__in=FollowedMail.objects.filter(user=user).values("mail_id"))


def followers_of(mail_ids: Iterable[int]) -> dict[int, set[int]]:
    involved: dict[int, set[int]] = {}
    rows = FollowedMail.objects.filter(mail_id__in=list(mail_ids)).values_list("mail_id", "user_id")
    for mail_id, user_id in rows:
        involved.setdefault(mail_id, set()).add(user_id)
    return involved
