from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from courrier.letters import letter_pdf
from courrier.models import AttachmentKind, MailStatus
from courrier.services.circulation import add_attachment, add_note
from courrier.services.mail import IncomingFile, Qualification, close_mail, qualify_mail
from courrier.tests.factories import DocumentTypeFactory, make_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(org, clerk):
    pdf = letter_pdf(["Monsieur le Maire,", "Un lampadaire est tombé rue Haute."])
    mail = make_mail(
        actor=clerk,
        subject="Lampadaire tombé",
        original=IncomingFile("scan.pdf", pdf, "application/pdf"),
    )
    return qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(
            destination_entity=org.voirie,
            document_type=DocumentTypeFactory.create(code="signalement"),
        ),
    )


def urls_of(mail, attachment):
    detail = reverse("mail_detail", args=[mail.pk])
    return [
        detail,
        *[
            f"{detail}?tab={tab}"
            for tab in ("info", "diffusion", "notes", "attachments", "links", "history")
        ],
        reverse("mail_file", args=[mail.pk, "pdf"]),
        reverse("mail_file", args=[mail.pk, "original"]),
        reverse("attachment_file", args=[attachment.pk, 1]),
    ]


@pytest.fixture
def attachment(letter, agent):
    kind = AttachmentKind.objects.create(code="simple", label="Pièce jointe")
    return add_attachment(
        actor=agent,
        mail=letter,
        kind=kind,
        title="Photo",
        file=IncomingFile("photo.jpg", b"\xff\xd8\xff\xe0 jpeg"),
    )


def test_agent_of_the_entity_opens_every_tab_and_file(client, agent, letter, attachment):
    client.force_login(agent)
    for url in urls_of(letter, attachment):
        assert client.get(url).status_code == 200, url


def test_outsider_gets_404_on_every_page_and_file(client, outsider, letter, attachment):
    client.force_login(outsider)
    for url in urls_of(letter, attachment):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitor_is_sent_to_login(client, letter):
    response = client.get(reverse("mail_detail", args=[letter.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_pdf_is_shown_inline_but_other_content_only_downloads(client, agent, letter, attachment):
    client.force_login(agent)
    pdf = client.get(reverse("mail_file", args=[letter.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    other = client.get(reverse("attachment_file", args=[attachment.pk, 1]))
    assert other["Content-Type"] == "application/octet-stream"
    assert other["Content-Disposition"].startswith("attachment")
    assert other["X-Content-Type-Options"] == "nosniff"


def test_detail_page_shows_metadata_contacts_and_history(client, agent, letter):
    client.force_login(agent)
    page = client.get(reverse("mail_detail", args=[letter.pk])).content.decode()
    assert letter.chrono_number in page and "Lampadaire tombé" in page
    history = client.get(reverse("mail_detail", args=[letter.pk]) + "?tab=history")
    assert "Qualifié" in history.content.decode()
    assert "Annotation ajoutée" not in history.content.decode()  # synthesis: workflow steps only


def test_htmx_tab_request_returns_only_the_panel(client, agent, letter):
    client.force_login(agent)
    url = reverse("mail_detail", args=[letter.pk]) + "?tab=info"
    response = client.get(url, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert letter.chrono_number.encode() in response.content


def test_restricted_note_is_hidden_from_other_entities(client, org, agent, urbanisme_agent, letter):
    from courrier.services.circulation import add_diffusion_entry

    add_diffusion_entry(actor=agent, mail=letter, role="copy", entity=org.urbanisme)
    add_note(actor=agent, mail=letter, text="Visible par tous")
    add_note(actor=agent, mail=letter, text="Secret voirie", restricted_to=[org.voirie])
    url = reverse("mail_detail", args=[letter.pk]) + "?tab=notes"
    client.force_login(urbanisme_agent)
    page = client.get(url).content.decode()
    assert "Visible par tous" in page and "Secret voirie" not in page
    client.force_login(agent)
    assert "Secret voirie" in client.get(url).content.decode()


def test_basket_list_filters_sorts_and_paginates(client, settings, agent, org):
    settings.BANNETTE_PAGE_SIZE = 5
    for i in range(7):
        make_mail(
            subject=f"Trottoir {i}",
            destination_entity=org.voirie,
            override={"status": MailStatus.IN_PROGRESS},
        )
    make_mail(
        subject="Éclairage",
        destination_entity=org.voirie,
        override={"status": MailStatus.IN_PROGRESS},
    )
    client.force_login(agent)
    url = reverse("basket", args=["entity_mail"])
    first = client.get(url, {"sort": "chrono"})
    assert first.context["page"].paginator.count == 8
    assert [m.subject for m in first.context["page"]][:2] == ["Trottoir 0", "Trottoir 1"]
    assert len(first.context["page"]) == 5
    assert len(client.get(url, {"sort": "chrono", "page": 2}).context["page"]) == 3
    filtered = client.get(url, {"q": "clairage"})
    assert [m.subject for m in filtered.context["page"]] == ["Éclairage"]


def test_basket_outside_my_roles_is_404(client, agent):
    client.force_login(agent)
    assert client.get(reverse("basket", args=["to_qualify"])).status_code == 404


def test_home_shows_my_baskets_with_counts(client, agent, letter):
    client.force_login(agent)
    response = client.get(reverse("home"))
    counts = {basket.code: count["total"] for basket, count in response.context["baskets"]}
    assert counts == {
        "my_mail": 0,
        "entity_mail": 1,
        "copies": 0,
        "opinions": 0,
        "in_circuit": 0,
        "to_send": 0,
        "returned": 0,
        "late": 0,
        "implicit_decisions": 0,
    }


def test_interface_is_french_even_for_an_english_browser(client, agent):
    client.force_login(agent)
    page = client.get(reverse("home"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Mes bannettes" in page.content.decode()


def test_the_language_switch_turns_the_interface_to_english_and_back(client, agent):
    client.force_login(agent)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "My baskets" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert "Mes bannettes" in client.get(reverse("home")).content.decode()


def test_every_static_file_the_layout_loads_exists():
    import re
    from pathlib import Path

    from django.contrib.staticfiles import finders

    layout = Path(__file__).parents[1] / "templates" / "base.html"
    for path in re.findall(r"{% static '([^']+)' %}", layout.read_text()):
        assert finders.find(path), path


def test_the_full_journal_never_shows_a_restricted_closing_note(
    client, org, agent, archivist, letter
):
    close_mail(
        actor=agent, mail=letter, comment="Litige avec le riverain", restricted_to=[org.voirie]
    )
    event = letter.journal_events.get(action="mail.closed")
    assert "Litige" not in str(event.details)  # a reference to the note, not its words
    url = reverse("mail_detail", args=[letter.pk]) + "?tab=history&full=1"
    client.force_login(archivist)  # sees every closed mail, not Voirie's notes
    page = client.get(url).content.decode()
    history = page[page.index('<ol class="history">') :]
    assert "Clos" in history and "Litige" not in page
    client.force_login(agent)
    notes = client.get(reverse("mail_detail", args=[letter.pk]) + "?tab=notes").content.decode()
    assert "Litige avec le riverain" in notes  # the note itself stays for Voirie


def test_the_history_tells_each_step_in_a_sentence_with_names_not_codes(
    client, org, clerk, agent, urbanisme_agent, archivist, letter
):
    from courrier.services.processing import redirect_mail

    clerk.first_name, clerk.last_name = "Nadia", "Benali"
    clerk.save()
    agent.first_name, agent.last_name = "Paul", "Girard"
    agent.save()
    urbanisme_agent.first_name, urbanisme_agent.last_name = "Léa", "Roux"
    urbanisme_agent.save()
    redirect_mail(
        actor=agent,
        mail=letter,
        user=urbanisme_agent,
        note="Pour instruction",
        restricted_to=[org.voirie],
    )
    close_mail(actor=urbanisme_agent, mail=letter, comment="Réparé le 3 mars")
    client.force_login(archivist)
    url = reverse("mail_detail", args=[letter.pk]) + "?tab=history&full=1"
    page = client.get(url).content.decode()
    history = page[page.index('<ol class="history">') :]
    assert f"Enregistré sous le n° {letter.chrono_number}" in history
    assert "Qualifié" in history and "pour Voirie" in history
    assert "Redirigé de Voirie vers Léa Roux (Urbanisme)" in history
    assert "Clos : « Réparé le 3 mars »" in history
    assert "Nadia Benali" in history and "Paul Girard" in history  # names, not logins
    assert "Pour instruction" not in history  # the restricted note's words stay in Notes
    # no internal code and no Python structure reaches the reader
    assert not re.search(r"\b(mail|visa|opinion|reply|note|diffusion|attachment)\.[a-z_]+", history)
    assert "{'" not in history and "[" not in history
    client.cookies["django_language"] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Redirected from Voirie to Léa Roux (Urbanisme)" in english


def test_every_action_the_code_records_has_words_in_the_history():
    """A new record_event(action=...) without a JournalAction would show its code to users."""
    from courrier.extensions import journal_action

    root = Path(__file__).parents[2]
    recorded: set[str] = set()
    for source in root.glob("*/**/*.py"):
        if any(part.startswith(".venv") for part in source.parts) or "tests" in source.parts:
            continue
        text = source.read_text(encoding="utf-8")
        recorded.update(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
    recorded.update(f"parapheur.{status}" for status in ("signed", "refused"))
    assert len(recorded) > 40
    assert sorted(a for a in recorded if journal_action(a) is None) == []
