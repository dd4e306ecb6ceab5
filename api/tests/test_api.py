"""The REST API, first part: personal tokens (hashed, scoped, expiring, revocable), the mail
within the perimeter, and the OpenAPI schema served offline."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, TokenScope, token_hash
from courrier.models import JournalEvent, MailStatus
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def mails(org):
    voirie = make_mail(
        subject="Nid-de-poule",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    other = make_mail(
        subject="Subvention",
        destination_entity=org.vasso,
        override={"status": MailStatus.IN_PROGRESS},
    )
    return voirie, other


def test_a_token_reads_the_mail_of_its_owners_perimeter(client, agent, mails):
    voirie, other = mails
    token, secret = ApiToken.issue(user=agent, name="Logiciel métier")
    assert token.key_hash == token_hash(secret) and secret not in token.key_hash
    listed = client.get(reverse("api-mail-list"), **bearer(secret))
    assert listed.status_code == 200
    assert [m["chrono_number"] for m in listed.json()["results"]] == [voirie.chrono_number]
    assert (
        client.get(reverse("api-mail-detail", args=[other.pk]), **bearer(secret)).status_code == 404
    )
    detail = client.get(reverse("api-mail-detail", args=[voirie.pk]), **bearer(secret)).json()
    assert detail["destination_entity"] == "VOIR" and detail["subject"] == "Nid-de-poule"
    token.refresh_from_db()
    assert token.last_used_at is not None
    filtered = client.get(reverse("api-mail-list") + "?status=closed", **bearer(secret)).json()
    assert filtered["count"] == 0


def test_expired_revoked_unknown_and_read_only_tokens(client, agent, mails):
    _token, secret = ApiToken.issue(user=agent, name="Lecture")
    expired, old = ApiToken.issue(user=agent, name="Ancien")
    ApiToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    revoked, gone = ApiToken.issue(user=agent, name="Révoqué")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    for refused in (old, gone, "bnt_inconnu"):
        assert client.get(reverse("api-mail-list"), **bearer(refused)).status_code == 401
    anonymous = client.get(reverse("api-mail-list"))  # no session, no token
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Bearer"
    # a read token cannot change anything (POST on a read-only collection is refused before)
    response = client.post(reverse("api-mail-list"), {}, **bearer(secret))
    assert response.status_code == 403
    _write, writer = ApiToken.issue(user=agent, name="Écriture", scope=TokenScope.WRITE)
    assert client.post(reverse("api-mail-list"), {}, **bearer(writer)).status_code == 400


@pytest.mark.parametrize("path", ["settings screen", "any other save"])
def test_a_token_revoked_by_deactivation_stays_revoked_after_reactivation(
    client, agent, mails, administrator, path
):
    _token, secret = ApiToken.issue(user=agent, name="Intégration")
    assert client.get(reverse("api-mail-list"), **bearer(secret)).status_code == 200
    client.force_login(administrator)
    for _toggle in ("off", "on"):
        if path == "settings screen":
            client.post(reverse("administration_toggle", args=["users", agent.pk]))
        else:  # the technical administration, the directory's synchronisation...
            agent.refresh_from_db()
            agent.is_active = not agent.is_active
            agent.save()
    client.logout()
    agent.refresh_from_db()
    assert agent.is_active
    assert client.get(reverse("api-mail-list"), **bearer(secret)).status_code == 401
    _new, fresh = ApiToken.issue(user=agent, name="Nouveau")
    assert client.get(reverse("api-mail-list"), **bearer(fresh)).status_code == 200


def test_the_openapi_schema_and_its_pages_are_served_offline(client, agent):
    client.force_login(agent)
    schema = client.get(reverse("api_schema") + "?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/mails/" in paths and "/api/v1/mails/{id}/" in paths
    assert paths["/api/v1/mails/"]["get"]["summary"] == "Courriers visibles"
    page = client.get(reverse("api_docs")).content.decode()
    assert "drf_spectacular_sidecar" in page and "cdn" not in page.lower()
    # its set-up script is a file of its own: the CSP refuses inline scripts
    assert "<script>" not in page.replace(" ", "")
    reference = client.get(reverse("api_reference")).content.decode()
    assert "Référence de l&#x27;API" in reference or "Référence de l'API" in reference
    assert "/api/v1/mails/" in reference and "Courriers visibles" in reference
    assert client.get(reverse("api_redoc")).url == reverse("api_reference")


def test_baskets_and_notes_through_the_same_services(client, agent, org, mails):
    voirie, other = mails
    _read, reader = ApiToken.issue(user=agent, name="Lecture")
    _write, writer = ApiToken.issue(user=agent, name="Écriture", scope=TokenScope.WRITE)
    baskets = client.get(reverse("api-basket-list"), **bearer(reader)).json()
    entity_mail = next(b for b in baskets if b["code"] == "entity_mail")
    assert entity_mail["count"] == 1 and entity_mail["label"]
    contents = client.get(reverse("api-basket-detail", args=["entity_mail"]), **bearer(reader))
    assert [m["id"] for m in contents.json()["results"]] == [voirie.pk]
    assert (
        client.get(reverse("api-basket-detail", args=["inconnue"]), **bearer(reader)).status_code
        == 404
    )
    notes = reverse("api-mail-notes", args=[voirie.pk])
    assert client.post(notes, {"text": "Lu"}, **bearer(reader)).status_code == 403  # read scope
    added = client.post(notes, {"text": "Appeler le demandeur lundi."}, **bearer(writer))
    assert added.status_code == 201 and added.json()["text"] == "Appeler le demandeur lundi."
    assert [n["text"] for n in client.get(notes, **bearer(reader)).json()] == [
        "Appeler le demandeur lundi."
    ]
    assert JournalEvent.objects.filter(action="note.added", mail=voirie).exists()
    assert (
        client.post(
            reverse("api-mail-notes", args=[other.pk]), {"text": "x"}, **bearer(writer)
        ).status_code
        == 404
    )


def test_each_token_has_its_own_call_budget(client, agent, settings):
    settings.BANNETTE_API_RATE = "2/minute"
    _first, one = ApiToken.issue(user=agent, name="Portail")
    _second, two = ApiToken.issue(user=agent, name="Logiciel métier")
    url = reverse("api-entity-list")
    answers = [client.get(url, **bearer(one)).status_code for _call in range(3)]
    assert answers == [200, 200, 429]
    assert client.get(url, **bearer(two)).status_code == 200  # the other integration goes on
