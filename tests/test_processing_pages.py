"""Processing screens through HTTP: qualification, actions, batches, locks, absences."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from capture.models import CapturedMail, CaptureInput
from courrier.forms import contact_ref, contact_token
from courrier.models import (
    AttachmentKind,
    Basket,
    Contact,
    DiffusionTemplate,
    DiffusionTemplateEntry,
    Folder,
    JournalEvent,
    MailLock,
    MailStatus,
    Role,
)
from courrier.services.locks import take_lock
from courrier.tests.factories import (
    ContactFactory,
    DocumentTypeFactory,
    UserFactory,
    absent_now,
    last_event_seq,
    make_mail,
)
from visa.models import VisaStepRole
from visa.services import start_visa_circuit

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctype(org):
    return DocumentTypeFactory.create(
        code="signalement", label="Signalement", delay_days=10, default_entity=org.voirie
    )


@pytest.fixture
def captured(doctype, org):
    mail = make_mail(subject="Scan 1")
    source = CaptureInput.objects.create(source_kind="upload", file_name="lot.pdf", size=10)
    CapturedMail.objects.create(
        input=source,
        segment=1,
        mail=mail,
        suggestions={
            "document_type": {
                "code": "signalement",
                "confidence": 0.87,
                "source": "learned",
                "label": "Signalement",
            }
        },
    )
    return mail


def _qualify_data(doctype, org, **extra):
    return {
        "document_type": doctype.pk,
        "subject": "Nid-de-poule rue Haute",
        "destination_entity": org.voirie.pk,
        "priority": "normal",
        **extra,
    }


def test_the_screen_prefills_capture_suggestions_and_the_computed_due_date(client, clerk, captured):
    client.force_login(clerk)
    page = client.get(reverse("qualify", args=[captured.pk])).content.decode()
    assert "selected>Signalement</option>" in page
    assert "87 %" in page
    due = captured.arrival_date + datetime.timedelta(days=10)
    assert f'value="{due.isoformat()}"' in page


def test_qualifying_registers_sender_copies_keywords_in_one_event(
    client, clerk, captured, doctype, org
):
    sender = ContactFactory.create(last_name="Martin", city="Villedieu")
    client.force_login(clerk)
    before = last_event_seq()
    response = client.post(
        reverse("qualify", args=[captured.pk]),
        _qualify_data(
            doctype,
            org,
            sender=contact_token(sender),
            sender_ref=contact_ref(sender),
            copy_entities=[org.urbanisme.pk],
            keywords="voirie, trou",
            stay="1",
        ),
    )
    assert response.status_code == 302
    captured.refresh_from_db()
    assert (captured.status, captured.destination_entity, captured.subject) == (
        MailStatus.IN_PROGRESS,
        org.voirie,
        "Nid-de-poule rue Haute",
    )
    assert list(captured.contacts.all()) == [sender]
    assert sorted(captured.keywords.values_list("label", flat=True)) == ["trou", "voirie"]
    lines = captured.diffusion_entries.order_by("role")
    assert [(e.role, e.entity) for e in lines] == [
        ("copy", org.urbanisme),
        ("recipient", org.voirie),
    ]
    assert list(JournalEvent.objects.filter(seq__gt=before).values_list("action", flat=True)) == [
        "mail.qualified"
    ]


def test_qualify_and_next_opens_the_next_waiting_mail(client, clerk, captured, doctype, org):
    following = make_mail(subject="Scan 2")
    client.force_login(clerk)
    response = client.post(
        reverse("qualify", args=[captured.pk]), _qualify_data(doctype, org, next="1")
    )
    assert response.url == reverse("qualify", args=[following.pk])


def test_a_new_sender_that_looks_like_an_existing_one_is_shown_first(
    client, clerk, captured, doctype, org
):
    ContactFactory.create(last_name="Dupont", first_name="Jean", email="jean@exemple.fr")
    client.force_login(clerk)
    data = _qualify_data(
        doctype,
        org,
        new_kind="person",
        new_first_name="Jean",
        new_last_name="DUPONT",
        new_email="Jean@exemple.fr",
    )
    page = client.post(reverse("qualify", args=[captured.pk]), data)
    assert page.status_code == 200 and "Dupont" in page.content.decode()
    assert Contact.objects.count() == 1
    captured.refresh_from_db()
    assert captured.status == MailStatus.TO_QUALIFY
    client.post(reverse("qualify", args=[captured.pk]), {**data, "create_anyway": "on"})
    assert Contact.objects.count() == 2
    assert captured.contacts.get().last_name == "DUPONT"


def test_two_contacts_of_the_same_name_are_told_apart_and_a_name_typed_over_a_pick_is_refused(
    client, clerk, captured, doctype, org
):
    first = ContactFactory.create(
        civility="Mme", first_name="Gabriel", last_name="Dupont", city="Villedieu", email=""
    )
    second = ContactFactory.create(
        civility="Mme", first_name="Gabriel", last_name="Dupont", city="Villedieu", email=""
    )
    client.force_login(clerk)
    options = client.get(reverse("contact_options"), {"sender": "dupont"}).content.decode()
    labels = re.findall(r'value="([^"]+)" data-ref="(\d+)"', options)
    assert len(labels) == 2 and labels[0][0] != labels[1][0], labels
    assert {ref for _, ref in labels} == {str(first.pk), str(second.pk)}
    # The reference of one contact with another name in the field: not that contact.
    response = client.post(
        reverse("qualify", args=[captured.pk]),
        _qualify_data(doctype, org, sender="M. Paul Durand", sender_ref=str(first.pk), stay="1"),
    )
    assert response.status_code == 200
    assert "Choisissez un contact dans la liste" in response.content.decode()
    response = client.post(
        reverse("qualify", args=[captured.pk]),
        _qualify_data(doctype, org, sender=labels[1][0], sender_ref=labels[1][1], stay="1"),
    )
    assert response.status_code == 302
    assert captured.contacts.get().pk == int(labels[1][1])


def test_contact_autocomplete_and_duplicate_warning(client, clerk):
    contact = ContactFactory.create(last_name="Lefebvre", city="Villedieu", email="l@exemple.fr")
    client.force_login(clerk)
    options = client.get(reverse("contact_options"), {"sender": "lefeb"}).content.decode()
    assert f'data-ref="{contact.pk}"' in options
    assert f"[#{contact.pk}]" not in options  # the person reads a name, never a number
    warning = client.post(
        reverse("contact_duplicates"),
        {"new_last_name": "lefebvre", "new_first_name": "Jean", "new_email": "L@exemple.fr"},
    )
    assert "Lefebvre" in warning.content.decode()


def test_diffusion_templates_prefill_copies_for_the_type(client, clerk, captured, doctype, org):
    template = DiffusionTemplate.objects.create(label="Signalements", document_type=doctype)
    DiffusionTemplateEntry.objects.create(template=template, role="copy", entity=org.st)
    client.force_login(clerk)
    fragment = client.get(
        reverse("qualify_defaults", args=[captured.pk]),
        {"document_type": doctype.pk, "destination_entity": org.voirie.pk},
    ).content.decode()
    # A checkbox of the pick list, ticked.
    assert re.search(rf'name="copy_entities" value="{org.st.pk}"[^>]*checked', fragment)


def test_only_the_mail_room_qualifies(client, agent, captured):
    client.force_login(agent)
    assert client.get(reverse("qualify", args=[captured.pk])).status_code == 404  # not even seen


def test_an_action_posted_by_an_outsider_is_404_and_changes_nothing(client, outsider, agent, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    client.force_login(outsider)
    url = reverse("mail_action", args=[mail.pk, "close"])
    assert client.post(url).status_code == 404
    client.force_login(agent)
    assert client.post(url, {"note": "Réglé"}).status_code == 302
    mail.refresh_from_db()
    assert mail.status == MailStatus.CLOSED


def test_a_batch_from_a_basket_holds_each_selected_mail(client, agent, org):
    mails = [
        make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
        for _ in range(3)
    ]
    client.force_login(agent)
    response = client.post(
        reverse("basket_batch", args=["entity_mail"]),
        {"action": "hold", "mails": [m.pk for m in mails[:2]]},
        follow=True,
    )
    assert "Courrier mis en attente. (2 courriers)" in response.content.decode()
    assert [m.status for m in mails[0].__class__.objects.order_by("pk")] == [
        "on_hold",
        "on_hold",
        "in_progress",
    ]


def test_the_page_shows_who_holds_the_lock(client, agent, manager, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    take_lock(user=manager, mail=mail)
    client.force_login(agent)
    page = client.get(reverse("mail_detail", args=[mail.pk])).content.decode()
    assert "est en train de traiter ce courrier" in page
    client.force_login(manager)
    client.post(reverse("release_lock", args=[mail.pk]))
    client.force_login(agent)
    assert (
        "est en train de traiter"
        not in client.get(reverse("mail_detail", args=[mail.pk])).content.decode()
    )


def test_a_transmission_gets_a_return_date_and_shows_late(client, agent, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    kind = AttachmentKind.objects.create(
        code="transmission",
        label="Transmission",
        has_chrono_number=True,
        chrono_suffix="T",
        expects_return=True,
    )
    sdis = ContactFactory.create(kind="organisation", organisation_name="SDIS", last_name="")
    client.force_login(agent)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    client.post(
        reverse("add_attachment", args=[mail.pk]),
        {
            "kind": kind.pk,
            "title": "Avis SDIS",
            "recipient": contact_token(sdis),
            "recipient_ref": contact_ref(sdis),
            "expected_return_date": yesterday.isoformat(),
            "file": _upload(),
        },
    )
    attachment = mail.attachments.get()
    assert (attachment.chrono_number, attachment.recipient, attachment.is_late) == (
        f"{mail.chrono_number}-T1",
        sdis,
        True,
    )
    page = client.get(reverse("mail_detail", args=[mail.pk]) + "?tab=attachments").content.decode()
    assert "En retard" in page
    client.post(reverse("attachment_returned", args=[mail.pk, attachment.pk]))
    attachment.refresh_from_db()
    assert attachment.is_late is False


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("avis.pdf", b"%PDF-1.4 avis", content_type="application/pdf")


def test_a_substitute_works_the_absent_colleagues_basket(client, agent, org):
    colleague = UserFactory.create(
        username="colleague", primary_entity=org.vasso, roles=[Role.AGENT]
    )
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    client.force_login(agent)
    today = timezone.localdate()
    basket = Basket.objects.get(code="entity_mail")
    client.post(
        reverse("absences"),
        {
            "start": today.isoformat(),
            "end": today.isoformat(),
            f"basket_{basket.pk}": [colleague.pk],
        },
    )
    client.force_login(colleague)
    assert client.get(reverse("mail_detail", args=[mail.pk])).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert 'data-for="agent"' in home
    assert client.get(reverse("basket", args=["entity_mail"]) + "?for=agent").status_code == 200
    assert client.get(reverse("mail_detail", args=[mail.pk]) + "?for=agent").status_code == 200
    client.post(reverse("mail_action", args=[mail.pk, "hold"]), {"for": "agent"})
    event = JournalEvent.objects.get(action="mail.put_on_hold")
    assert (event.actor, event.on_behalf_of) == (colleague, agent)
    history = client.get(
        reverse("mail_detail", args=[mail.pk]) + "?tab=history&for=agent"
    ).content.decode()
    assert f"pour le compte de {agent.get_full_name() or agent.username}" in history


def test_no_one_stands_in_without_a_delegation(client, agent, outsider, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    absent_now(agent)
    client.force_login(outsider)
    assert client.get(reverse("mail_detail", args=[mail.pk]) + "?for=agent").status_code == 404
    assert client.get(reverse("basket", args=["entity_mail"]) + "?for=agent").status_code == 404


def test_a_colleague_qualifies_for_an_absent_clerk(client, clerk, agent, captured, doctype, org):
    absent_now(clerk, basket="to_qualify", substitute=agent)
    client.force_login(agent)
    url = reverse("qualify", args=[captured.pk])
    assert client.get(url).status_code == 404  # on their own, an agent does not see it
    response = client.post(f"{url}?for=clerk", _qualify_data(doctype, org, stay="1"))
    assert response.url == reverse("basket", args=["to_qualify"]) + "?for=clerk"
    event = JournalEvent.objects.get(action="mail.qualified")
    assert (event.actor, event.on_behalf_of) == (agent, clerk)


def test_a_folder_lists_only_the_mail_the_user_may_see(client, agent, outsider, org):
    folder = Folder.objects.create(label="Rue des Lilas", entity=org.voirie)
    mine = make_mail(subject="Trottoir", destination_entity=org.voirie)
    secret = make_mail(subject="Dossier RH", destination_entity=org.vasso)
    folder.mails.add(mine, secret)
    client.force_login(agent)
    assert "Rue des Lilas" in client.get(reverse("folders")).content.decode()
    page = client.get(reverse("folder", args=[folder.pk])).content.decode()
    assert "Trottoir" in page and "Dossier RH" not in page
    client.force_login(outsider)
    assert client.get(reverse("folder", args=[folder.pk])).status_code == 404


def test_waiting_work_opens_on_its_tab(client, agent, manager, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    start_visa_circuit(actor=agent, mail=mail, steps=[(manager, VisaStepRole.VISA)])
    client.force_login(manager)
    page = client.get(reverse("basket", args=["to_visa"])).content.decode()
    assert f'href="/mails/{mail.pk}/?tab=reply"' in page
    client.force_login(agent)
    assert mail.chrono_number in client.get(reverse("basket", args=["in_circuit"])).content.decode()


def test_a_colleague_can_take_over_a_mail_left_open(client, agent, manager, urbanisme_agent, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    take_lock(user=manager, mail=mail)
    client.force_login(urbanisme_agent)  # not theirs to process
    assert client.post(reverse("take_over_lock", args=[mail.pk])).status_code == 404
    client.force_login(agent)
    assert "/lock/take/" in client.get(reverse("mail_detail", args=[mail.pk])).content.decode()
    client.post(reverse("take_over_lock", args=[mail.pk]))
    assert MailLock.objects.get(mail=mail).user == agent
    client.post(reverse("mail_action", args=[mail.pk, "hold"]))
    mail.refresh_from_db()
    assert mail.status == MailStatus.ON_HOLD


def test_releasing_says_nothing_about_mail_that_does_not_exist(client, outsider):
    client.force_login(outsider)
    assert client.post(reverse("release_lock", args=[999999])).status_code == 204
