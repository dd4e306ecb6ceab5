"""No select offers Django's « --------- »: an empty choice says « — choisir — » or
« — aucun — » (issue 31), on the screens people use every day and in the administration."""

from __future__ import annotations

import pytest
from django.urls import reverse

from administration.sections import SECTIONS
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def test_empty_choices_are_worded_everywhere(client, org, clerk, administrator):
    waiting = make_mail(subject="À qualifier")
    client.force_login(clerk)
    pages = [
        client.get(reverse("qualify", args=[waiting.pk])),
        client.get(reverse("capture_upload")),
        client.get(reverse("search")),
    ]
    client.force_login(administrator)
    pages += [client.get(reverse("administration_new", args=[s.code])) for s in SECTIONS]
    pages.append(client.get(reverse("contact_new")))
    for page in pages:
        assert page.status_code == 200, page.request["PATH_INFO"]
        text = page.content.decode()
        assert "---------" not in text, page.request["PATH_INFO"]
    worded = " ".join(p.content.decode() for p in pages)
    assert "— choisir —" in worded and "— aucun —" in worded
