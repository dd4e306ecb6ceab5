"""LDAP / Active Directory: sign-in through django-auth-ldap, the person's entity and roles
taken from the directory at each sign-in, and the whole directory synchronised on a schedule
(a dry-run report first), people who left being deactivated.

Settings (environment): BANNETTE_LDAP_URI, BANNETTE_LDAP_BIND_DN, BANNETTE_LDAP_BIND_PASSWORD,
BANNETTE_LDAP_USER_BASE, BANNETTE_LDAP_USER_FILTER, BANNETTE_LDAP_GROUP_BASE,
BANNETTE_LDAP_ENTITY_ATTRIBUTE, BANNETTE_LDAP_ENTITY_MAP, BANNETTE_LDAP_ROLE_GROUPS,
BANNETTE_LDAP_DEFAULT_ROLE, BANNETTE_LDAP_START_TLS (see the README)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import ldap
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_auth_ldap.backend import LDAPBackend, populate_user
from django_auth_ldap.config import LDAPSearch, MemberDNGroupType

from courrier.models import User
from courrier.services.journal import record_event
from sso.mapping import (
    IdentityRefused,
    Profile,
    Rules,
    account_for,
    apply_profile,
    changes_for,
    is_service_name,
    refuse,
)
from sso.models import ExternalIdentity, Source


class BannetteLDAPBackend(LDAPBackend):  # type: ignore[misc]
    """django-auth-ldap reading the BANNETTE_LDAP_* settings; service accounts never bind."""

    @property
    def default_settings(self) -> dict[str, Any]:
        group_base = settings.BANNETTE_LDAP_GROUP_BASE
        return {
            "SERVER_URI": settings.BANNETTE_LDAP_URI,
            "BIND_DN": settings.BANNETTE_LDAP_BIND_DN,
            "BIND_PASSWORD": settings.BANNETTE_LDAP_BIND_PASSWORD,
            "START_TLS": settings.BANNETTE_LDAP_START_TLS,
            "USER_SEARCH": LDAPSearch(
                settings.BANNETTE_LDAP_USER_BASE,
                ldap.SCOPE_SUBTREE,
                settings.BANNETTE_LDAP_USER_FILTER,
            ),
            "GROUP_SEARCH": LDAPSearch(
                group_base, ldap.SCOPE_SUBTREE, "(|(objectClass=groupOfNames)(objectClass=group))"
            )
            if group_base
            else None,
            "GROUP_TYPE": MemberDNGroupType("member"),
            "ALWAYS_UPDATE_USER": True,
            "CONNECTION_OPTIONS": {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: 10},
            "CACHE_TIMEOUT": 0,
        }

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        if is_service_name(ldap_user._username):
            return None
        try:
            return super().authenticate_ldap_user(ldap_user, password)
        except IdentityRefused as refused:
            profile = profile_of(ldap_user.dn, ldap_user.attrs, set())
            refuse(profile, refused, getattr(ldap_user, "_request", None))
            return None

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        """The account of this directory entry: by its DN once linked, never by name alone."""
        profile = profile_of(ldap_user.dn, ldap_user.attrs, set())
        user, linked_now = account_for(replace(profile, username=profile.username or username))
        if user is None:
            return User(username=(profile.username or username).lower()[:150]), True
        user._sso_linked_now = linked_now  # type: ignore[attr-defined]
        return user, False


def rules() -> Rules:
    return Rules(
        entity_map=settings.BANNETTE_LDAP_ENTITY_MAP,
        role_map=settings.BANNETTE_LDAP_ROLE_GROUPS,
        default_role=settings.BANNETTE_LDAP_DEFAULT_ROLE,
    )


def _first(attrs: dict[str, list[Any]], name: str) -> str:
    values = attrs.get(name) or attrs.get(name.lower()) or []
    value = values[0] if values else ""
    return value.decode() if isinstance(value, bytes) else str(value)


def profile_of(dn: str, attrs: dict[str, list[Any]], groups: set[str]) -> Profile:
    return Profile(
        source=Source.LDAP,
        external_id=dn.lower(),
        username=_first(attrs, settings.BANNETTE_LDAP_USERNAME_ATTRIBUTE),
        first_name=_first(attrs, "givenName"),
        last_name=_first(attrs, "sn"),
        email=_first(attrs, "mail"),
        entity_value=_first(attrs, settings.BANNETTE_LDAP_ENTITY_ATTRIBUTE),
        groups=frozenset(groups),
    )


def _populated(sender: Any, user: User, ldap_user: Any, **_: Any) -> None:
    """At each sign-in: the directory's names, entity and roles replace what Bannette had."""
    new = user.pk is None
    user.save()  # django-auth-ldap saves after this signal; the mapping needs a primary key
    groups = {_cn(dn) for dn in ldap_user.group_dns}
    apply_profile(
        profile_of(ldap_user.dn, ldap_user.attrs, groups),
        rules(),
        user=user,
        new=new,
        linked_now=getattr(user, "_sso_linked_now", False),
    )
    user.refresh_from_db()


def _cn(dn: str) -> str:
    first = ldap.dn.str2dn(dn)[0][0]
    return str(first[1]) if first[0].lower() == "cn" else dn


def connect() -> None:
    populate_user.connect(_populated, dispatch_uid="bannette_ldap_populate")


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[tuple[str, dict[str, tuple[str, str]]]] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (username, why)
    unchanged: int = 0
    applied: bool = False


def _connection() -> Any:
    conn = ldap.initialize(settings.BANNETTE_LDAP_URI)
    conn.set_option(ldap.OPT_REFERRALS, 0)
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
    if settings.BANNETTE_LDAP_START_TLS:
        conn.start_tls_s()
    conn.simple_bind_s(settings.BANNETTE_LDAP_BIND_DN, settings.BANNETTE_LDAP_BIND_PASSWORD)
    return conn


def directory_people() -> Iterator[Profile]:
    """Everyone the directory lists under the user base, with their groups' names."""
    conn = _connection()
    try:
        members: dict[str, set[str]] = {}
        if settings.BANNETTE_LDAP_GROUP_BASE:
            for _dn, attrs in conn.search_s(
                settings.BANNETTE_LDAP_GROUP_BASE,
                ldap.SCOPE_SUBTREE,
                "(|(objectClass=groupOfNames)(objectClass=group))",
                ["cn", "member"],
            ):
                name = _first(attrs, "cn")
                for member in attrs.get("member", []):
                    members.setdefault(member.decode().lower(), set()).add(name)
        found = conn.search_s(
            settings.BANNETTE_LDAP_USER_BASE,
            ldap.SCOPE_SUBTREE,
            settings.BANNETTE_LDAP_SYNC_FILTER,
        )
        for dn, attrs in found:
            if dn is None:  # a referral
                continue
            yield profile_of(dn, attrs, members.get(dn.lower(), set()))
    finally:
        conn.unbind_s()


def synchronise(*, apply: bool) -> SyncReport:
    """Compare the directory with Bannette's accounts; change them only with apply."""
    report = SyncReport(applied=apply)
    the_rules = rules()
    seen: set[str] = set()
    for profile in directory_people():
        if not profile.username:
            continue
        seen.add(profile.external_id)
        try:
            user, linked_now = account_for(profile)
        except IdentityRefused as refused:
            report.refused.append((profile.username, str(refused)))
            continue
        changes = changes_for(user or User(username=profile.username), profile, the_rules)
        if user is None:
            report.created.append(profile.username)
        elif changes:
            report.updated.append((user.username, changes))
        else:
            report.unchanged += 1
        if apply and (user is None or changes or linked_now):
            apply_profile(profile, the_rules, user=user, linked_now=linked_now)
    gone = (
        ExternalIdentity.objects.filter(source=Source.LDAP, user__is_active=True)
        .exclude(external_id__in=seen)
        .select_related("user")
    )
    for identity in gone:
        report.deactivated.append(identity.user.username)
        if apply:
            _deactivate(identity.user)
    if apply:
        with transaction.atomic():
            record_event(
                action="directory.synchronised",
                actor=None,
                target=None,
                details={
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "deactivated": len(report.deactivated),
                },
            )
    return report


@transaction.atomic
def _deactivate(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_event(
        action="auth.account_deactivated",
        actor=None,
        target=user,
        details={"source": Source.LDAP, "username": user.username},
    )
