"""Managing API access: my tokens (shown once, revocable, journaled), and service accounts
for integrations, bound to one entity and role, that never sign in with a password."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from api.models import ApiToken, ServiceAccount
from courrier.models import JournalEvent, MailStatus, Role
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_an_agent_creates_sees_once_and_revokes_her_token(client, agent, org):
    client.force_login(agent)
    page = client.post(
        reverse("api_tokens"), {"name": "Tableur du service", "scope": "read", "days": "30"}
    )
    assert page.status_code == 200
    secret = re.search(r"data-secret>(bnt_[^<]+)<", page.content.decode()).group(1)
    token = ApiToken.objects.get(user=agent)
    assert token.name == "Tableur du service" and token.expires_at is not None
    assert client.get(reverse("api-mail-list"), **bearer(secret)).status_code == 200
    again = client.get(reverse("api_tokens")).content.decode()
    assert secret not in again and f"{token.prefix}…" in again  # shown once, then its beginning
    never = client.post(reverse("api_tokens"), {"name": "Éternel", "scope": "read", "days": ""})
    assert "expire" in never.content.decode() and ApiToken.objects.count() == 1
    client.post(reverse("api_token_revoke", args=[token.pk]))
    client.logout()
    assert client.get(reverse("api-mail-list"), **bearer(secret)).status_code == 401
    actions = list(JournalEvent.objects.filter(actor=agent).values_list("action", flat=True))
    assert "api.token_issued" in actions and "api.token_revoked" in actions


def test_nobody_revokes_another_persons_token(client, agent, outsider):
    token, _secret = ApiToken.issue(user=agent, name="Le mien")
    client.force_login(outsider)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_service_account_sees_its_entity_and_cannot_sign_in(client, administrator, agent, org):
    voirie = make_mail(
        subject="Trottoir",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    make_mail(
        subject="Subvention",
        destination_entity=org.vasso,
        override={"status": MailStatus.IN_PROGRESS},
    )
    client.force_login(administrator)
    created = client.post(
        reverse("api_service_accounts"),
        {
            "name": "Logiciel voirie",
            "entity": org.voirie.pk,
            "role": Role.AGENT,
            "description": "Interventions",
        },
    )
    account = ServiceAccount.objects.get()
    assert created["Location"] == reverse("api_service_account", args=[account.pk])
    page = client.post(
        reverse("api_service_account", args=[account.pk]),
        {"name": "Production", "scope": "write", "days": ""},  # no expiry for an integration
    ).content.decode()
    secret = re.search(r"data-secret>(bnt_[^<]+)<", page).group(1)
    client.logout()
    listed = client.get(reverse("api-mail-list"), **bearer(secret)).json()
    assert [m["id"] for m in listed["results"]] == [voirie.pk]  # its entity's mail only
    user = account.user
    assert user.username == "svc-logiciel-voirie" and not user.has_usable_password()
    signed_in = client.post(reverse("login"), {"username": user.username, "password": ""})
    assert signed_in.status_code == 200 and "_auth_user_id" not in client.session
    # deactivated: every token stops at once
    client.force_login(administrator)
    client.post(reverse("api_service_account", args=[account.pk]), {"deactivate": "1"})
    client.logout()
    assert client.get(reverse("api-mail-list"), **bearer(secret)).status_code == 401
    assert JournalEvent.objects.filter(action="api.service_account_deactivated").exists()


def test_only_administrators_manage_service_accounts(client, agent, org):
    client.force_login(agent)
    assert client.get(reverse("api_service_accounts")).status_code == 403
    assert (
        client.post(
            reverse("api_service_accounts"), {"name": "x", "entity": org.voirie.pk, "role": "agent"}
        ).status_code
        == 403
    )
    assert not ServiceAccount.objects.exists()
