"""Whose mail a statistic counts: the organisation's for those allowed, else the mail of the
user's entities and below inside their perimeter (so that counts agree with what they open)."""

from __future__ import annotations

from django.db.models import QuerySet

from courrier.models import Entity, Mail, User
from courrier.selectors import descendant_ids, user_entity_ids, visible_mails


def sees_organisation(user: User) -> bool:
    return user.has_perm("stats.view_organisation_statistics")


def may_open_mail(user: User) -> bool:
    """An elected official reads figures, never the mail behind them."""
    return user.has_perm("courrier.process_mail") or user.has_perm("courrier.view_all_mail")


def entity_choices(user: User) -> QuerySet[Entity]:
    entities = Entity.objects.filter(active=True)
    if sees_organisation(user):
        return entities
    return entities.filter(pk__in=descendant_ids(user_entity_ids(user)))


def scope(user: User, entity: Entity | None = None) -> QuerySet[Mail]:
    """The mail a user's statistics count, narrowed to an entity and below when chosen."""
    if sees_organisation(user):
        mails = Mail.objects.all()
    else:
        mails = visible_mails(user).filter(
            destination_entity_id__in=descendant_ids(user_entity_ids(user))
        )
    if entity is not None:
        mails = mails.filter(destination_entity_id__in=descendant_ids([entity.pk]))
    return mails


def drill_down(user: User, entity: Entity | None = None) -> QuerySet[Mail]:
    """The mail behind a figure, as the user may open it."""
    return scope(user, entity).filter(pk__in=visible_mails(user).values("pk"))
