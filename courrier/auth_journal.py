"""Sign-ins, sign-outs and failed sign-ins go to the journal (system events)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.http import HttpRequest

from courrier.client_address import client_address
from courrier.models import User
from courrier.services.journal import record_event


def _address(request: HttpRequest | None) -> str:
    return client_address(request) if request is not None else ""


# How someone signed in, from the authentication backend that let them in.
METHODS = {"ModelBackend": "password", "BannetteLDAPBackend": "ldap", "BannetteOIDCBackend": "oidc"}


def login_method(user: User) -> str:
    backend = str(getattr(user, "backend", "") or "").rsplit(".", 1)[-1]
    return METHODS.get(backend, backend or "password")


def _logged_in(sender: type, request: HttpRequest | None, user: User, **_: Any) -> None:
    with transaction.atomic():
        record_event(
            action="auth.login",
            actor=user,
            target=user,
            details={"address": _address(request), "method": login_method(user)},
        )


def _logged_out(sender: type, request: HttpRequest | None, user: User | None, **_: Any) -> None:
    if user is None:
        return
    with transaction.atomic():
        record_event(
            action="auth.logout", actor=user, target=user, details={"address": _address(request)}
        )


def _attempt(action: str, username: str, request: HttpRequest | None) -> None:
    """An attempt on an account, by whoever typed its name: the account if it exists."""
    username = username[:150]
    known = User.objects.filter(username=username).first()
    with transaction.atomic():
        record_event(
            action=action,
            actor=None,
            target=known,
            details={"username": username, "address": _address(request)},
        )


def _login_failed(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    # Django has already masked the password in `credentials`; only the name is kept.
    _attempt("auth.login_failed", str(credentials.get("username", "")), request)


def _locked_out(sender: str, request: HttpRequest | None, username: str, **_: Any) -> None:
    _attempt("auth.locked_out", username, request)


def connect() -> None:
    user_locked_out.connect(_locked_out, dispatch_uid="bannette_journal_locked_out")
    user_logged_in.connect(_logged_in, dispatch_uid="bannette_journal_login")
    user_logged_out.connect(_logged_out, dispatch_uid="bannette_journal_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="bannette_journal_login_failed")
