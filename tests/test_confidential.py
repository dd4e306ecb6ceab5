"""Confidential mail is for its direct circle only: whoever captured or typed it in has no
lasting right to it once it is qualified to another service (README, "Confidentiality")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courrier.letters import letter_pdf
from courrier.selectors import can_see_mail
from courrier.services.mail import IncomingFile, Qualification, qualify_mail
from courrier.tests.factories import DocumentTypeFactory, make_mail
from indexing.query import SearchQuery
from indexing.services import rebuild, search

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]


@pytest.fixture
def doctype():
    return DocumentTypeFactory.create(code="recours")


@pytest.fixture
def appeal(org, clerk):
    pdf = letter_pdf(["Recours gracieux", "Contestation du permis de construire."])
    return make_mail(
        actor=clerk,
        subject="Recours gracieux",
        text="Contestation du permis de construire.",
        original=IncomingFile("recours.pdf", pdf, "application/pdf"),
    )


def test_the_mail_room_qualifies_it_then_loses_it(
    client, org, clerk, urbanisme_agent, appeal, doctype
):
    assert can_see_mail(clerk, appeal)  # waiting for qualification: the mail room's
    qualify_mail(
        actor=clerk,
        mail=appeal,
        qualification=Qualification(
            document_type=doctype, destination_entity=org.urbanisme, confidential=True
        ),
    )
    rebuild()
    assert not can_see_mail(clerk, appeal)
    assert can_see_mail(urbanisme_agent, appeal)
    client.force_login(clerk)
    for url in (
        reverse("mail_detail", args=[appeal.pk]),
        reverse("mail_file", args=[appeal.pk, "pdf"]),
        reverse("mail_file", args=[appeal.pk, "original"]),
    ):
        assert client.get(url).status_code == 404, url
    assert [h.mail_id for h in search(clerk, SearchQuery(text="contestation")).hits] == []
    assert [h.mail_id for h in search(urbanisme_agent, SearchQuery(text="contestation")).hits] == [
        appeal.pk
    ]


def test_ordinary_mail_stays_visible_to_whoever_typed_it_in(org, clerk, appeal, doctype):
    qualify_mail(
        actor=clerk,
        mail=appeal,
        qualification=Qualification(document_type=doctype, destination_entity=org.urbanisme),
    )
    assert can_see_mail(clerk, appeal)
