"""Office templates: merge fields, checks at upload, previews."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courrier.models import Role
from courrier.tests.factories import UserFactory
from templates_office.models import OfficeTemplate
from templates_office.tests.docs import REPLY_LINES, docx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client, org):
    admin = UserFactory.create(
        username="admin", is_staff=True, is_superuser=True, roles=[Role.ADMINISTRATOR]
    )
    client.force_login(admin)
    return client


def upload(client, content: bytes, name="modele.docx"):
    return client.post(
        reverse("admin:templates_office_officetemplate_add"),
        {
            "label": "Réponse",
            "kind": "reply",
            "active": "on",
            "file": SimpleUploadedFile(name, content),
        },
    )


def test_a_good_template_is_accepted_and_previewed_with_sample_data(administrator):
    assert upload(administrator, docx_bytes(REPLY_LINES)).status_code == 302
    template = OfficeTemplate.objects.get()
    pdf = administrator.get(reverse("template_preview", args=[template.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert administrator.get(
        reverse("template_preview", args=[template.pk, "docx"])
    ).content.startswith(b"PK")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{{ mail.subject "], "Erreur de syntaxe"),
        (["{{ mail.sujet }}"], "Champ de fusion inconnu"),
        (["{% for x in recipient.address_lines %}{{ x }}"], "Erreur de syntaxe"),
    ],
)
def test_a_broken_template_is_refused_at_upload_with_the_reason(administrator, lines, message):
    page = upload(administrator, docx_bytes(lines))
    assert page.status_code == 200 and message in page.content.decode()
    assert not OfficeTemplate.objects.exists()


def test_a_file_that_is_not_a_docx_is_refused(administrator):
    page = upload(administrator, b"%PDF-1.4 not a docx", name="modele.pdf")
    assert "pas un document .docx lisible" in page.content.decode()


def test_previews_are_for_administrators(client, agent, administrator):
    upload(administrator, docx_bytes(REPLY_LINES))
    client.force_login(agent)
    response = client.get(
        reverse("template_preview", args=[OfficeTemplate.objects.get().pk, "docx"])
    )
    assert response.status_code == 302  # to the admin login
