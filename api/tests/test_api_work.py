"""Working on mail through the API, through the screens' services: qualification, the action
catalogue, attachments and versions, diffusion, opinions, a reply drafted from a template and
converted by LibreOffice, its visa; search, contacts and statistics within the perimeter."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken, TokenScope
from courrier.models import AttachmentKind, JournalEvent, Mail, MailStatus
from courrier.services.mail import Qualification, qualify_mail
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, make_mail
from templates_office.models import OfficeTemplate
from templates_office.tests.docs import REPLY_LINES, docx_bytes

pytestmark = pytest.mark.django_db


def token(user, scope=TokenScope.WRITE) -> dict[str, str]:
    _token, secret = ApiToken.issue(user=user, name="Intégration", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def url(name: str, mail: Mail, *more) -> str:
    return reverse(f"api-mail-{name}", args=[mail.pk, *more])


@pytest.fixture
def captured(org):
    return make_mail(subject="Demande d'élagage", text="Un arbre menace la toiture.")


@pytest.fixture
def in_progress(org, clerk):
    mail = make_mail(subject="Nid-de-poule rue Haute", senders=[ContactFactory.create()])
    return qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(
            document_type=DocumentTypeFactory.create(code="REC"), destination_entity=org.voirie
        ),
    )


def test_the_mail_room_qualifies_and_the_journal_says_who(client, clerk, captured, org):
    DocumentTypeFactory.create(code="ELAG", delay_days=30)
    body = {"document_type": "ELAG", "entity": "VOIR", "copies": ["URBA"], "keywords": ["arbres"]}
    response = client.post(
        url("qualify", captured), body, content_type="application/json", **token(clerk)
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == MailStatus.IN_PROGRESS
    captured.refresh_from_db()
    assert captured.destination_entity == org.voirie and captured.due_date is not None
    assert captured.diffusion_entries.filter(role="copy", entity=org.urbanisme).exists()
    assert JournalEvent.objects.filter(action="mail.qualified", actor=clerk).exists()
    again = client.post(
        url("qualify", captured), body, content_type="application/json", **token(clerk)
    )
    assert again.status_code == 404  # it left the mail room's perimeter for the Voirie's


def test_actions_are_offered_and_run_with_the_services_refusals(
    client, agent, outsider, in_progress, org
):
    offered = client.get(url("actions", in_progress), **token(agent)).json()
    codes = {a["code"] for a in offered}
    assert {"redirect", "close", "hold"} <= codes and "reopen" not in codes
    hold = client.post(
        url("perform-action", in_progress, "hold"),
        {},
        content_type="application/json",
        **token(agent),
    )
    assert hold.status_code == 200 and hold.json()["status"] == MailStatus.ON_HOLD
    not_now = client.post(
        url("perform-action", in_progress, "hold"),
        {},
        content_type="application/json",
        **token(agent),
    )
    assert not_now.status_code == 403  # "not possible while the mail is on hold"
    redirect = client.post(
        url("perform-action", in_progress, "redirect"),
        {"entity": "URBA", "note": "Relève de l'urbanisme."},
        content_type="application/json",
        **token(agent),
    )
    assert redirect.status_code == 200, redirect.content
    in_progress.refresh_from_db()
    assert in_progress.destination_entity == org.urbanisme
    unknown = client.post(url("perform-action", in_progress, "explode"), {}, **token(agent))
    assert unknown.status_code == 404
    # out of her perimeter the mail does not exist, whatever the action
    assert client.get(url("actions", in_progress), **token(outsider)).status_code == 404
    read_only = client.post(
        url("perform-action", in_progress, "hold"), {}, **token(agent, TokenScope.READ)
    )
    assert read_only.status_code == 403


def test_attachments_versions_and_their_downloads(client, agent, outsider, in_progress):
    AttachmentKind.objects.get_or_create(code="note", defaults={"label": "Note"})
    first = SimpleUploadedFile("rapport.txt", b"<script>alert(1)</script>", "text/html")
    added = client.post(
        url("attachments", in_progress), {"kind": "note", "file": first}, **token(agent)
    )
    assert added.status_code == 201, added.content
    attachment = added.json()
    assert attachment["title"] == "rapport.txt" and attachment["versions"][0]["number"] == 1
    second = SimpleUploadedFile("rapport-v2.txt", b"version 2", "text/plain")
    versioned = client.post(
        url("add-version", in_progress, attachment["id"]), {"file": second}, **token(agent)
    )
    assert [v["number"] for v in versioned.json()["versions"]] == [1, 2]
    download = client.get(url("version-file", in_progress, attachment["id"], 1), **token(agent))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"  # never served as HTML
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"<script>alert(1)</script>"
    listed = client.get(url("attachments", in_progress), **token(agent)).json()
    assert [a["id"] for a in listed] == [attachment["id"]]
    assert (
        client.get(url("version-file", in_progress, attachment["id"], 1), **token(outsider))
    ).status_code == 404


def test_diffusion_copies_are_added_and_removed(client, agent, in_progress, org):
    added = client.post(
        url("diffusion", in_progress),
        {"role": "copy", "entity": "URBA"},
        content_type="application/json",
        **token(agent),
    )
    assert added.status_code == 201, added.content
    lines = client.get(url("diffusion", in_progress), **token(agent)).json()
    assert {(line["role"], line["entity"]) for line in lines} == {
        ("recipient", "VOIR"),
        ("copy", "URBA"),
    }
    recipient = next(line for line in lines if line["role"] == "recipient")
    refused = client.delete(url("remove-diffusion", in_progress, recipient["id"]), **token(agent))
    assert refused.status_code == 400  # the recipient changes by redirecting
    removed = client.delete(
        url("remove-diffusion", in_progress, added.json()["id"]), **token(agent)
    )
    assert removed.status_code == 204
    assert not in_progress.diffusion_entries.filter(role="copy").exists()


def test_opinions_are_asked_and_answered(client, agent, urbanisme_agent, in_progress):
    deadline = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    asked = client.post(
        url("opinions", in_progress),
        {"users": ["urba"], "reason": "Impact sur le PLU ?", "deadline": deadline},
        content_type="application/json",
        **token(agent),
    )
    assert asked.status_code == 201, asked.content
    assert asked.json()["asks"][0]["state"] == "waiting"
    answered = client.post(
        url("answer-opinion", in_progress),
        {"text": "Aucun impact."},
        content_type="application/json",
        **token(urbanisme_agent),
    )
    assert answered.status_code == 200, answered.content
    (ask,) = answered.json()["asks"]
    assert ask["state"] == "answered" and "Aucun impact." in ask["answer"]
    twice = client.post(
        url("answer-opinion", in_progress),
        {"text": "Encore"},
        content_type="application/json",
        **token(urbanisme_agent),
    )
    assert twice.status_code == 403


def test_a_reply_is_drafted_from_a_template_then_visaed(
    client, agent, manager, in_progress, org, django_capture_on_commit_callbacks
):
    template = OfficeTemplate(label="Réponse voirie", entity=org.voirie)
    template.file.save("r.docx", ContentFile(docx_bytes(REPLY_LINES)), save=True)
    offered = client.get(url("templates", in_progress), **token(agent)).json()
    assert [t["id"] for t in offered] == [template.pk]
    with django_capture_on_commit_callbacks(execute=True):  # LibreOffice makes its PDF
        drafted = client.post(
            url("replies", in_progress),
            {"template": template.pk},
            content_type="application/json",
            **token(agent),
        )
    assert drafted.status_code == 201, drafted.content
    draft = drafted.json()
    assert draft["versions"][0]["file_name"].endswith(".docx")
    started = client.post(
        url("visa", in_progress),
        {"steps": [{"user": "manager"}], "draft": draft["id"]},
        content_type="application/json",
        **token(agent),
    )
    assert started.status_code == 201, started.content
    assert started.json()[0]["state"] == "current"
    not_hers = client.post(
        url("approve", in_progress), {}, content_type="application/json", **token(agent)
    )
    assert not_hers.status_code == 403
    approved = client.post(
        url("approve", in_progress),
        {"comment": "Bon pour envoi."},
        content_type="application/json",
        **token(manager),
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()[0]["state"] == "approved"
    assert JournalEvent.objects.filter(action="visa.approved", actor=manager).exists()


def test_search_contacts_and_statistics_stay_in_the_perimeter(
    client, agent, outsider, manager, in_progress, settings
):
    settings.BANNETTE_SEARCH_BACKEND = "whoosh"
    from indexing.services import index_mails

    index_mails([in_progress.pk])
    found = client.get(reverse("api-search") + "?text=poule", **token(agent)).json()
    assert [hit["mail"]["id"] for hit in found["results"]] == [in_progress.pk]
    assert found["total"] == 1
    nothing = client.get(reverse("api-search") + "?text=poule", **token(outsider)).json()
    assert nothing["results"] == [] and nothing["total"] == 0
    assert client.get(reverse("api-search"), **token(agent)).json()["total"] == 0  # no criterion
    created = client.post(
        reverse("api-contact-list"),
        {"last_name": "Durand", "city": "Villedieu", "email": "durand@example.org"},
        content_type="application/json",
        **token(agent),
    )
    assert created.status_code == 201, created.content
    matched = client.get(reverse("api-contact-list") + "?q=durand villedieu", **token(agent))
    assert [c["id"] for c in matched.json()["results"]] == [created.json()["id"]]
    nameless = client.post(
        reverse("api-contact-list"),
        {"city": "Lille"},
        content_type="application/json",
        **token(agent),
    )
    assert nameless.status_code == 400
    figures = client.get(reverse("api-statistics"), **token(manager)).json()
    assert figures["counts"]["in_progress"] == 1  # the Voirie's, under the manager's entity
    assert client.get(reverse("api-statistics"), **token(agent)).status_code == 403
