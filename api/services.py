"""Issuing and revoking API tokens, and the integrations' service accounts; each one journaled."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from api.models import ApiToken, ServiceAccount, TokenScope
from courrier.models import Entity, Role, User
from courrier.services.journal import record_event

# The roles an integration may act with: register and qualify (a portal), or process.
SERVICE_ROLES = (Role.CLERK, Role.AGENT)
EXPIRY_DAYS = (30, 90, 365)


def may_manage(actor: User, owner: User) -> bool:
    """One's own tokens; a service account's, for those who manage service accounts."""
    if actor.pk == owner.pk:
        return not hasattr(owner, "service_account")
    return hasattr(owner, "service_account") and actor.has_perm("api.manage_serviceaccount")


@transaction.atomic
def issue_token(
    *, actor: User, owner: User, name: str, scope: str, days: int | None
) -> tuple[ApiToken, str]:
    if not may_manage(actor, owner):
        raise PermissionDenied(_("You cannot create a token for this account."))
    if not name.strip():
        raise ValidationError(_("Name the token after what will use it."))
    if scope not in TokenScope.values:
        raise ValidationError(_("Choose read or read and write."))
    if days is None and not hasattr(owner, "service_account"):
        raise ValidationError(_("A personal token expires: choose a duration."))
    token, secret = ApiToken.issue(user=owner, name=name.strip()[:100], scope=scope, days=days)
    record_event(
        action="api.token_issued",
        actor=actor,
        target=owner,
        details={"name": token.name, "prefix": token.prefix, "scope": scope, "days": days},
    )
    return token, secret


@transaction.atomic
def revoke_token(*, actor: User, token: ApiToken) -> None:
    if not may_manage(actor, token.user):
        raise PermissionDenied(_("You cannot revoke this token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            action="api.token_revoked",
            actor=actor,
            target=token.user,
            details={"name": token.name, "prefix": token.prefix},
        )


@transaction.atomic
def create_service_account(
    *, actor: User, name: str, entity: Entity, role: str, description: str = ""
) -> ServiceAccount:
    """A user that cannot sign in with a password, in one entity with one role."""
    if not actor.has_perm("api.manage_serviceaccount"):
        raise PermissionDenied(_("Your role does not allow managing service accounts."))
    if role not in SERVICE_ROLES:
        raise ValidationError(_("A service account registers mail or processes it."))
    if not name.strip():
        raise ValidationError(_("Name the service account."))
    username = f"svc-{slugify(name)[:40] or 'integration'}"
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("A service account with this name already exists."))
    user = User(username=username, first_name=name.strip()[:150], primary_entity=entity)
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    account = ServiceAccount.objects.create(
        user=user, description=description.strip()[:300], created_by=actor
    )
    record_event(
        action="api.service_account_created",
        actor=actor,
        target=user,
        details={"name": user.first_name, "entity": entity.code, "role": role},
    )
    return account


@transaction.atomic
def deactivate_service_account(*, actor: User, account: ServiceAccount) -> int:
    """The account stops at once: it is deactivated and every token of it revoked."""
    if not actor.has_perm("api.manage_serviceaccount"):
        raise PermissionDenied(_("Your role does not allow managing service accounts."))
    user = account.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    record_event(
        action="api.service_account_deactivated",
        actor=actor,
        target=user,
        details={"name": user.first_name, "revoked": revoked},
    )
    return revoked
