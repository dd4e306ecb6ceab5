"""Whose mail a statistic counts: the organisation's for those allowed, else the mail of the
user's entities and below inside their perimeter (so that counts agree with what they open)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from courrier.models import Entity, Mail, User
from courrier.selectors import descendant_ids, own_entities, perimeter_of, visible_mails
from stats.indicators import Filters

# A table row's drill-down narrows the mail to that row: query key -> the mail's field.
NARROWING = {"dest": "destination_entity", "type": "document_type", "channel": "channel"}


def sees_organisation(user: User) -> bool:
    return user.has_perm("stats.view_organisation_statistics")


def may_open_mail(user: User) -> bool:
    """An elected official reads figures, never the mail behind them."""
    return user.has_perm("courrier.process_mail") or user.has_perm("courrier.view_all_mail")


def entity_choices(user: User) -> QuerySet[Entity]:
    if sees_organisation(user):
        return Entity.objects.filter(active=True)
    return own_entities(user)


def scope(user: User, filters: Filters | None = None) -> QuerySet[Mail]:
    """The mail a user's statistics count, narrowed by the filters (entity and below, type,
    channel, a table row); the category and the period apply per indicator."""
    if sees_organisation(user):
        mails = Mail.objects.all()
    else:
        # The mail addressed to the user's entities and below that their perimeter opens by its
        # own columns (courrier.selectors.perimeter_q): ordinary mail of those entities, and
        # confidential mail of their direct entities. Mail they only open because they are named
        # on it stays out of the figures and of the lists behind them alike, and the figures
        # read indexes, not the diffusion lists.
        perimeter = perimeter_of(user)
        mails = Mail.objects.filter(
            Q(confidential=False, destination_entity_id__in=perimeter.scope_entities)
            | Q(confidential=True, destination_entity_id__in=perimeter.direct_entities)
        )
    if filters is None:
        return mails
    if filters.entity is not None:
        mails = mails.filter(destination_entity_id__in=descendant_ids([filters.entity.pk]))
    if filters.document_type is not None:
        mails = mails.filter(document_type=filters.document_type)
    if filters.channel:
        mails = mails.filter(channel=filters.channel)
    for key, value in filters.narrow.items():
        if key not in NARROWING:
            continue  # the indicator applies it (opinions asked of, decisions by)
        column = NARROWING[key]
        if value == "none":
            mails = mails.filter(**{f"{column}__isnull": True})
        else:
            mails = mails.filter(**{column if key == "channel" else f"{column}_id": value})
    return mails


def drill_down(user: User, filters: Filters) -> QuerySet[Mail]:
    """The mail behind a figure, as the user may open it."""
    return scope(user, filters).filter(pk__in=visible_mails(user).values("pk"))
