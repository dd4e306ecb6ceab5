"""The registers and « Mes suivis » through the API (issue 31), on the caller's perimeter."""

from __future__ import annotations

import pytest

from api.models import ApiToken, TokenScope
from courrier.models import Category, FollowedMail, MailStatus
from courrier.services.initiative import NewLetter, start_letter
from courrier.tests.factories import ContactFactory, make_mail

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, secret = ApiToken.issue(user=user, name="bureau", scope=TokenScope.WRITE)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_departures_register_lists_what_the_caller_may_open(
    client, org, agent, urbanisme_agent
):
    recipient = ContactFactory.create(last_name="Girard", first_name="Paul")
    ours = start_letter(
        actor=agent,
        letter=NewLetter(
            category=Category.OUTGOING, subject="Travaux", entity=org.voirie, recipient=recipient
        ),
    )
    theirs = start_letter(
        actor=urbanisme_agent,
        letter=NewLetter(
            category=Category.OUTGOING, subject="Permis", entity=org.urbanisme, recipient=recipient
        ),
    )
    auth = bearer(agent)
    lines = client.get("/api/v1/registers/?kind=departs", **auth).json()
    chronos = [line["chrono_number"] for line in lines]
    assert ours.chrono_number in chronos and theirs.chrono_number not in chronos
    (line,) = [ln for ln in lines if ln["mail"] == ours.pk]
    assert line["correspondent"] == str(recipient) and line["entity"] == "Voirie"
    assert client.get("/api/v1/registers/?kind=nope", **auth).status_code == 400
    assert client.get("/api/v1/registers/?from=hier", **auth).status_code == 400
    outside = client.get(f"/api/v1/registers/?kind=departs&entity={org.urbanisme.code}", **auth)
    assert outside.status_code == 400
    internal = client.get("/api/v1/registers/?kind=internes", **auth).json()
    assert internal == []


def test_following_through_the_api(client, org, agent, outsider):
    mail = make_mail(
        subject="Chaussée déformée",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    auth = bearer(agent)
    url = f"/api/v1/mails/{mail.pk}/follow/"
    assert client.post(url, **auth).status_code == 201
    (row,) = client.get("/api/v1/following/", **auth).json()
    assert (row["mail"], row["status"], row["entity"], row["reason"]) == (
        mail.pk,
        "in_progress",
        org.voirie.code,
        "flagged",
    )
    assert client.delete(url, **auth).status_code == 204
    assert client.get("/api/v1/following/", **auth).json() == []
    assert client.post(url, **bearer(outsider)).status_code == 404
    assert not FollowedMail.objects.filter(user=outsider).exists()


def test_the_routing_slip_prints_through_the_api(client, org, agent, outsider):
    mail = make_mail(
        subject="Chaussée déformée",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    url = f"/api/v1/mails/{mail.pk}/routing-slip/"
    slip = client.get(url, **bearer(agent))
    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf"
    assert slip.content.startswith(b"%PDF")
    assert client.get(url, **bearer(outsider)).status_code == 404
