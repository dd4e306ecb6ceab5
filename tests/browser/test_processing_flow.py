"""Issue scenario in a real browser: a clerk qualifies a captured letter into Voirie, a Voirie
agent redirects it to Urbanisme with a restricted note, an Urbanisme agent closes it, and an
outsider cannot open it by its URL. Every action leaves exactly one journal event."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from capture.models import SourceKind
from capture.services import receive_input, run_pipeline
from courrier.letters import letter_pdf
from courrier.models import JournalEvent, Mail, MailLock, MailStatus, Role
from courrier.selectors import visible_notes
from courrier.services.locks import take_lock
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, UserFactory, make_mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def captured_letter(org, clerk) -> Mail:
    DocumentTypeFactory.create(code="signalement", label="Signalement", delay_days=15)
    ContactFactory.create(last_name="Martin", first_name="Lucie", city="Villedieu")
    pdf = letter_pdf(["Objet : arbre tombé rue des Lilas", "Un arbre bloque le trottoir."])
    source = receive_input(
        source_kind=SourceKind.UPLOAD, name="lettre.pdf", content=pdf, actor=clerk
    )
    (mail,) = run_pipeline(source)
    assert mail.status == MailStatus.TO_QUALIFY
    return mail


def journal(mail: Mail, after: int) -> list[tuple[str, str, str]]:
    events = JournalEvent.objects.filter(mail=mail, seq__gt=after).order_by("seq")
    return [(e.action, e.actor_name, e.on_behalf_of_name) for e in events]


def test_a_letter_goes_from_the_mail_room_to_voirie_then_urbanisme_then_closed(
    open_as, live_server, captured_letter, org, clerk, agent, urbanisme_agent, outsider, archivist
):
    mail = captured_letter
    start = JournalEvent.objects.order_by("-seq").values_list("seq", flat=True)[0]

    # The clerk qualifies it, by keyboard only, from the "to qualify" basket.
    page = open_as("clerk")
    page.click("a[data-basket=to_qualify]")
    page.click(f"tr[data-chrono='{mail.chrono_number}'] td:nth-child(2) a")
    expect(page.locator("#id_document_type")).to_be_focused()
    page.keyboard.type("Signal")
    page.keyboard.press("Tab")  # subject
    page.keyboard.press("Tab")  # sender
    page.keyboard.type("Martin")
    sender_option = page.locator("#sender-options option").first
    expect(sender_option).to_have_attribute("value", re.compile(r"Martin"))
    expect(sender_option).not_to_have_attribute("value", re.compile(r"#|\d"))  # no record number
    page.fill("#id_sender", sender_option.get_attribute("value") or "")
    expect(page.locator("#id_sender_ref")).to_have_value(re.compile(r"^\d+$"))
    page.focus("#id_destination_entity")
    page.keyboard.type("Voirie")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("qualifié pour Voirie")
    mail.refresh_from_db()
    assert (mail.status, mail.destination_entity, mail.document_type.code) == (
        MailStatus.IN_PROGRESS,
        org.voirie,
        "signalement",
    )
    assert [c.last_name for c in mail.contacts.all()] == ["Martin"]

    # The Voirie agent finds it in the entity basket and redirects it with a restricted note.
    page = open_as("agent")
    page.click("a[data-basket=entity_mail]")
    page.click(f"tr[data-chrono='{mail.chrono_number}'] td:nth-child(2) a")
    redirect = page.locator("details[data-action=redirect]")
    redirect.locator("select[name=entity]").select_option(label="Urbanisme")
    # The people offered follow the chosen service: the others are not in the list at all.
    offered = redirect.locator("select[name=user] optgroup")
    expect(offered).to_have_count(1)
    expect(offered).to_have_attribute("label", "Urbanisme")
    redirect.locator("select[name=entity]").select_option(value="")
    assert offered.count() > 1  # no entity chosen: everyone again
    redirect.locator("select[name=entity]").select_option(label="Urbanisme")
    expect(offered).to_have_count(1)
    redirect.locator("textarea[name=note]").fill(
        "Permis de construire en cours sur cette parcelle."
    )
    # Checkboxes, not a Ctrl-click list (the pick list).
    redirect.locator(".pick-list").get_by_label("Urbanisme", exact=True).check()
    redirect.locator("button[data-action=redirect]").click()
    # Back to her baskets (the mail has left her), told in words what was done.
    expect(page.locator(".messages")).to_contain_text("Courrier redirigé.")
    expect(page).to_have_url(f"{live_server.url}/")
    mail.refresh_from_db()
    assert mail.destination_entity == org.urbanisme
    assert [n.text for n in visible_notes(archivist, mail)] == []  # restricted: not for the DGS

    # The Urbanisme agent reads the note and closes the mail.
    page = open_as("urba")
    page.click("a[data-basket=entity_mail]")
    page.click(f"tr[data-chrono='{mail.chrono_number}'] td:nth-child(2) a")
    page.click("a[data-tab=notes]")
    expect(page.locator("#tab")).to_contain_text("Permis de construire en cours")
    page.on("dialog", lambda dialog: dialog.accept())
    close = page.locator("details[data-action=close]")
    close.locator("summary").click()
    close.locator("textarea[name=note]").fill("Transmis au service instructeur.")
    close.locator("button[data-action=close]").click()
    expect(page.locator(".messages")).to_contain_text("Courrier clos.")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "closed")

    # An outsider gets a 404 on the mail's URL, and its files.
    page = open_as("outsider")
    response = page.goto(f"{live_server.url}/mails/{mail.pk}/")
    assert response is not None and response.status == 404
    response = page.goto(f"{live_server.url}/mails/{mail.pk}/file/pdf/")
    assert response is not None and response.status == 404

    assert journal(mail, start) == [
        ("mail.qualified", "clerk", ""),
        ("mail.redirected", "agent", ""),
        ("mail.closed", "urba", ""),
    ]


def test_a_colleague_sees_who_holds_the_mail_until_they_leave_it(open_as, org, agent, settings):
    settings.BANNETTE_LOCK_POLL_SECONDS = 1
    UserFactory.create(username="agent2", primary_entity=org.voirie, roles=[Role.AGENT])
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    holder = open_as("agent")
    holder.goto(f"{holder.url}mails/{mail.pk}/")
    assert MailLock.objects.get(mail=mail).user == agent

    colleague = open_as("agent2")
    colleague.click("a[data-basket=entity_mail]")
    row = colleague.locator(f"tr[data-chrono='{mail.chrono_number}']")
    expect(row.locator(".tag.lock")).to_contain_text(str(agent))
    colleague.click(f"tr[data-chrono='{mail.chrono_number}'] td:nth-child(2) a")
    expect(colleague.locator(".notice.lock")).to_contain_text("est en train de traiter ce courrier")

    # Leaving the page releases the lock; the colleague's banner, polled, goes with it.
    holder.click("a.brand")
    expect(colleague.locator(".notice.lock")).to_have_count(0)
    assert not MailLock.objects.filter(mail=mail).exists()


def test_the_lock_banner_stays_one_banner_with_one_button_while_it_polls(
    open_as, org, agent, settings
):
    settings.BANNETTE_LOCK_POLL_SECONDS = 1
    UserFactory.create(username="agent2", primary_entity=org.voirie, roles=[Role.AGENT])
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    take_lock(user=agent, mail=mail)
    colleague = open_as("agent2")
    colleague.goto(f"{colleague.url}mails/{mail.pk}/")
    for _poll in range(3):  # each poll swaps the banner: it added one more button each time
        with colleague.expect_response(lambda r: "/lock/" in r.url and r.status == 200):
            pass
    expect(colleague.locator(".notice.lock")).to_have_count(1)
    expect(colleague.get_by_role("button", name="Prendre la main")).to_have_count(1)


def test_the_qualification_page_lets_go_of_the_mail_when_the_clerk_leaves(
    open_as, captured_letter, clerk, org, settings
):
    settings.BANNETTE_LOCK_POLL_SECONDS = 1
    UserFactory.create(username="clerk2", primary_entity=org.courrier, roles=[Role.CLERK])
    page = open_as("clerk")
    page.goto(f"{page.url}mails/{captured_letter.pk}/qualify/")
    assert MailLock.objects.get(mail=captured_letter).user == clerk
    colleague = open_as("clerk2")
    colleague.goto(f"{colleague.url}mails/{captured_letter.pk}/")
    banner = colleague.locator(".notice.lock")
    expect(banner).to_contain_text("est en train de traiter ce courrier")
    # A reload keeps the hold (the old page's goodbye names a hold the new page renewed):
    # the colleague's banner is still there after two more polls.
    page.reload()
    for _poll in range(2):
        with colleague.expect_response(lambda r: "/lock/" in r.url and r.status == 200):
            pass
    expect(banner).to_have_count(1)
    # Leaving the page lets go: the banner goes at the next poll.
    page.click("a.brand")
    expect(banner).to_have_count(0)
    assert not MailLock.objects.filter(mail=captured_letter).exists()
