"""A person as a directory or an identity provider describes them, applied to a Bannette user
by configurable rules: the entity from an attribute or claim (an entity code, or a value the
rules translate), the roles from group names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from courrier.models import Entity, Role, User
from courrier.services.journal import record_event
from sso.models import ExternalIdentity


@dataclass(frozen=True)
class Profile:
    """What the source says of someone."""

    source: str
    external_id: str
    username: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    entity_value: str = ""
    groups: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Rules:
    entity_map: Mapping[str, str]  # source value -> entity code (else the value is the code)
    role_map: Mapping[str, str]  # group name -> role
    default_role: str = ""  # for people in no mapped group ("" : no role, they see nothing)

    def entity(self, value: str) -> Entity | None:
        code = self.entity_map.get(value, value)
        return Entity.objects.filter(code=code, active=True).first() if code else None

    def roles(self, groups: Iterable[str]) -> set[str]:
        mapped = {self.role_map[g] for g in groups if g in self.role_map}
        mapped &= set(Role.ALL)
        return mapped or ({self.default_role} if self.default_role in Role.ALL else set())


def changes_for(user: User, profile: Profile, rules: Rules) -> dict[str, tuple[str, str]]:
    """What applying the profile would change: {field: (before, after)}."""
    entity = rules.entity(profile.entity_value)
    wanted = {
        "first_name": profile.first_name[:150],
        "last_name": profile.last_name[:150],
        "email": profile.email[:254],
        "entity": entity.code if entity else "",
        "roles": ",".join(sorted(rules.roles(profile.groups))),
        "active": "yes",
    }
    current = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "entity": user.primary_entity.code if user.pk and user.primary_entity else "",
        "roles": ",".join(
            sorted(user.groups.filter(name__in=Role.ALL).values_list("name", flat=True))
        )
        if user.pk
        else "",
        "active": "yes" if user.is_active else "no",
    }
    if not user.pk:
        return {k: ("", v) for k, v in wanted.items() if v}
    return {k: (current[k], v) for k, v in wanted.items() if current[k] != v}


@transaction.atomic
def apply_profile(
    profile: Profile, rules: Rules, *, user: User | None = None, new: bool = False
) -> User:
    """Create or update the user from the profile; journaled when something changed."""
    if user is None:
        identity = (
            ExternalIdentity.objects.filter(source=profile.source, external_id=profile.external_id)
            .select_related("user")
            .first()
        )
        user = identity.user if identity else User.objects.filter(username=profile.username).first()
    created = new or user is None
    if user is None:
        user = User(username=profile.username[:150])
        user.set_unusable_password()  # the directory or the provider checks who they are
    changes = changes_for(user, profile, rules)
    entity = rules.entity(profile.entity_value)
    user.first_name, user.last_name = profile.first_name[:150], profile.last_name[:150]
    user.email = profile.email[:254]
    user.primary_entity = entity
    user.is_active = True
    user.save()
    roles = rules.roles(profile.groups)
    kept = user.groups.exclude(name__in=Role.ALL)
    user.groups.set([*kept, *Group.objects.filter(name__in=roles)])
    ExternalIdentity.objects.update_or_create(
        source=profile.source,
        external_id=profile.external_id,
        defaults={"user": user, "synced_at": timezone.now()},
    )
    if changes:
        record_event(
            action="auth.account_created" if created else "auth.account_updated",
            actor=None,
            target=user,
            details={
                "source": profile.source,
                "username": user.username,
                "changes": {k: list(v) for k, v in changes.items()},
            },
        )
    return user
