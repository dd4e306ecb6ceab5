"""A person as a directory or an identity provider describes them, applied to a Bannette user
by configurable rules: the entity from an attribute or claim (an entity code, or a value the
rules translate), the roles from group names.

Who an outside identity is, in Bannette, is decided once: by its stable identifier at the
source (the provider's `sub`, the directory entry's DN), recorded in ExternalIdentity. A
first-time identity gets a new account, or is linked to an existing one only by an
administrator (`manage.py link_identity`, journaled) or by a verified e-mail address in a domain
the organisation lists (BANNETTE_SSO_LINK_EMAIL_DOMAINS). A name alone never links: the
provider or the directory chooses names, and "admin" there is not Bannette's admin. Superusers
and service accounts are never linked to an outside identity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.client_address import client_address
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
    email_verified: bool = False  # the source vouches that the person owns the address


class IdentityRefused(Exception):
    """This outside identity may not sign in as (or create) the account it names."""


def is_service_name(username: str) -> bool:
    return username.casefold().startswith("svc-")


def may_be_linked(user: User) -> bool:
    """Superusers and service accounts are reached by their own credentials only."""
    return not (
        user.is_superuser or is_service_name(user.username) or hasattr(user, "service_account")
    )


def _by_verified_email(profile: Profile) -> User | None:
    domains = {d.casefold() for d in settings.BANNETTE_SSO_LINK_EMAIL_DOMAINS}
    address = profile.email.strip()
    if not (profile.email_verified and "@" in address):
        return None
    if address.rsplit("@", 1)[1].casefold() not in domains:
        return None
    owners = list(User.objects.filter(email__iexact=address, is_active=True)[:2])
    if len(owners) != 1 or not may_be_linked(owners[0]):
        return None  # nobody, or an address shared by several accounts: an administrator links
    if owners[0].external_identities.filter(source=profile.source).exists():
        return None  # already someone else's identity at this source
    return owners[0]


def account_for(profile: Profile) -> tuple[User | None, bool]:
    """The account this identity signs in as (None: a new one) and whether it is linked now.

    Raises IdentityRefused when the identity must not sign in (see the module's docstring)."""
    identity = (
        ExternalIdentity.objects.filter(source=profile.source, external_id=profile.external_id)
        .select_related("user")
        .first()
    )
    if identity is not None:
        return identity.user, False
    if is_service_name(profile.username):
        raise IdentityRefused(_("a service account never signs in from outside"))
    owner = _by_verified_email(profile)
    if owner is not None:
        return owner, True
    if User.objects.filter(username__iexact=profile.username).exists():
        raise IdentityRefused(
            _(
                "an account named %(username)s already exists in Bannette and is not linked to"
                " this identity: an administrator must link them"
            )
            % {"username": profile.username}
        )
    return None, False


def refuse(profile: Profile, reason: IdentityRefused, request: HttpRequest | None) -> None:
    """Journal a refused outside identity (and the address it came from), for the
    administrators."""
    address = client_address(request) if request is not None else ""
    with transaction.atomic():
        record_event(
            action="auth.identity_refused",
            actor=None,
            target=None,
            details={
                "source": profile.source,
                "username": profile.username[:150],
                "subject": profile.external_id[:500],
                "reason": str(reason),
                "address": address,
            },
        )


@transaction.atomic
def link_identity(*, user: User, source: str, external_id: str, actor: User | None) -> None:
    """An administrator links an outside identity to an existing account; journaled."""
    if not may_be_linked(user):
        raise IdentityRefused(
            _("%(username)s is a superuser or a service account: never linked to an identity")
            % {"username": user.username}
        )
    taken = ExternalIdentity.objects.filter(source=source, external_id=external_id).first()
    if taken is not None and taken.user_id != user.pk:
        raise IdentityRefused(
            _("this identity is already linked to %(username)s") % {"username": taken.user}
        )
    ExternalIdentity.objects.update_or_create(
        source=source, external_id=external_id, defaults={"user": user}
    )
    _journal_link("auth.identity_linked", user, source, external_id, actor=actor)


def _journal_link(
    action: str, user: User, source: str, external_id: str, *, actor: User | None
) -> None:
    record_event(
        action=action,
        actor=actor,
        target=user,
        details={"source": source, "username": user.username, "subject": external_id},
    )


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
    profile: Profile,
    rules: Rules,
    *,
    user: User | None = None,
    new: bool = False,
    linked_now: bool = False,
) -> User:
    """Create or update the user from the profile; journaled when something changed.

    Without `user`, the account is found by `account_for` (IdentityRefused when refused);
    with it, the caller found it so, and says whether the identity is being linked now."""
    if user is None:
        user, linked_now = account_for(profile)
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
    if linked_now:
        _journal_link(
            "auth.identity_linked_by_email",
            user,
            profile.source,
            profile.external_id,
            actor=None,
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
