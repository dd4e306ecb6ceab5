"""Search screens: quick search, advanced search, saved searches, CSV export."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courrier.models import MailStatus
from courrier.tests.factories import make_mail
from indexing.models import SavedSearch
from indexing.services import rebuild

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]


@pytest.fixture
def lamp(org):
    mail = make_mail(
        subject="Lampadaire éteint",
        destination_entity=org.voirie,
        text="Le lampadaire de la rue Haute est éteint.",
        override={"status": MailStatus.IN_PROGRESS},
    )
    rebuild()
    return mail


def test_a_chrono_number_in_the_header_box_opens_the_mail(client, agent, lamp):
    client.force_login(agent)
    response = client.get(reverse("quick_search"), {"q": lamp.chrono_number.lower()})
    assert response.status_code == 302 and response["Location"] == reverse(
        "mail_detail", args=[lamp.pk]
    )
    words = client.get(reverse("quick_search"), {"q": "lampadaire"})
    assert words["Location"].startswith(reverse("search") + "?text=lampadaire")


def test_an_outsider_typing_the_chrono_gets_a_search_that_finds_nothing(client, outsider, lamp):
    client.force_login(outsider)
    response = client.get(reverse("quick_search"), {"q": lamp.chrono_number}, follow=True)
    assert response.context["total"] == 0 and "Lampadaire" not in response.content.decode()


def test_the_search_page_shows_highlighted_results(client, agent, lamp):
    client.force_login(agent)
    page = client.get(
        reverse("search"), {"text": "lampadaires eteints", "entity": "VOIR"}
    ).content.decode()
    assert lamp.chrono_number in page and ">lampadaire</mark>" in page and "1 résultat" in page


def test_csv_export_holds_the_results_and_only_them(client, agent, outsider, lamp):
    client.force_login(agent)
    response = client.get(reverse("search"), {"text": "lampadaire", "format": "csv"})
    content = b"".join(response.streaming_content).decode()
    assert response["Content-Disposition"].startswith("attachment")
    assert content.splitlines()[1].startswith(f"{lamp.chrono_number};Lampadaire éteint;")
    client.force_login(outsider)
    outsider_csv = client.get(reverse("search"), {"text": "lampadaire", "format": "csv"})
    assert len(b"".join(outsider_csv.streaming_content).decode().splitlines()) == 1  # header only


def test_saved_searches_belong_to_their_user(client, agent, outsider, lamp):
    client.force_login(agent)
    client.post(reverse("save_search"), {"name": "Éclairage", "query_string": "text=lampadaire"})
    saved = SavedSearch.objects.get()
    assert (saved.user, saved.name) == (agent, "Éclairage")
    assert "Éclairage" in client.get(reverse("search")).content.decode()
    client.force_login(outsider)
    assert "Éclairage" not in client.get(reverse("search")).content.decode()
    assert client.post(reverse("delete_search", args=[saved.pk])).status_code == 404
