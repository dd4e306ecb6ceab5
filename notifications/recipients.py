"""Who is concerned by a mail: the people of a service who process mail, and its managers."""

from __future__ import annotations

from django.db.models import Q

from courrier.models import Entity, Mail, Role, User
from notifications.services import permission_holders


def processors_of(entity_id: int | None) -> list[User]:
    """The service's people who process mail (its agents and managers)."""
    if entity_id is None:
        return []
    members = Q(primary_entity_id=entity_id) | Q(entities__id=entity_id)
    holders = permission_holders("courrier.process_mail").values("id")
    return list(User.objects.filter(members, id__in=holders).distinct())


def managers_of(entity: Entity | None) -> list[User]:
    """The managers of the service, or of the nearest service above that has one."""
    current = entity
    while current is not None:
        members = Q(primary_entity=current) | Q(entities=current)
        found = list(
            User.objects.filter(members, groups__name=Role.MANAGER, is_active=True).distinct()
        )
        if found:
            return found
        current = current.parent
    return []


def workers_of(mail: Mail) -> list[User]:
    """Whose mail it is: its assignee, or else the people of its service."""
    if mail.assignee_id is not None and mail.assignee is not None:
        return [mail.assignee]
    return processors_of(mail.destination_entity_id)


def named(usernames: list[str]) -> list[User]:
    return list(User.objects.filter(username__in=usernames, is_active=True))
