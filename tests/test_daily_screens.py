"""Daily screens (issue 13): each defect seen in the browser, checked here on the server side
where no browser is needed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from capture.models import CapturedMail, SourceKind
from capture.services import receive_input
from courrier.models import MailLock, MailStatus
from courrier.services.locks import take_lock
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def test_the_informations_tab_shows_a_suggested_sender(client, clerk, org):
    # A sender suggestion has a label and no code: the tab answered 500 on every such mail.
    mail = make_mail(destination_entity=org.courrier)
    _captured_with(
        mail,
        {
            "sender": {"label": "Lucie Martin", "confidence": 0.9, "source": "email"},
            "document_type": {"code": "signalement", "confidence": 0.2, "source": "learned"},
        },
    )
    client.force_login(clerk)
    response = client.get(reverse("mail_detail", args=[mail.pk]), {"tab": "info"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lucie Martin" in page and "90 %" in page
    assert "signalement" in page  # a type suggestion without label shows its code


def test_leaving_a_page_releases_only_the_hold_that_page_saw(client, agent, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    first = take_lock(user=agent, mail=mail)
    seen = first.expires_at
    # the same user reopened the mail (a reload, a form sent back to it): the hold was renewed
    MailLock.objects.filter(pk=first.pk).update(expires_at=seen + datetime.timedelta(seconds=5))
    client.force_login(agent)
    url = reverse("release_lock", args=[mail.pk])
    client.post(url, {"held_until": seen.isoformat()})
    assert MailLock.objects.filter(mail=mail).exists()  # the old page's goodbye is ignored
    client.post(url, {"held_until": MailLock.objects.get(mail=mail).expires_at.isoformat()})
    assert not MailLock.objects.filter(mail=mail).exists()
    assert timezone.now() < seen + datetime.timedelta(hours=1)


def test_error_pages_are_in_the_layout_in_french_with_a_way_back(client, org, archivist, agent):
    secret = make_mail(destination_entity=org.urbanisme, confidential=True)
    client.force_login(agent)
    response = client.get(reverse("mail_detail", args=[secret.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page introuvable" in page and 'class="topbar"' in page
    assert f'href="{reverse("home")}"' in page and "Not Found" not in page
    client.force_login(archivist)
    response = client.get(reverse("capture_errors"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Action non autorisée" in page and "Forbidden" not in page
    client.logout()
    response = client.get("/demarches/suivi/XXXX-0000/")
    assert response.status_code in (404, 200)
    assert "Not Found" not in response.content.decode()


def test_the_server_error_page_stands_alone_in_french(rf):
    from django.views.defaults import server_error

    page = server_error(rf.get("/")).content.decode()
    assert "Erreur du serveur" in page and "bannette.css" in page


def test_the_assignee_is_not_offered_to_assign_the_mail_to_themselves(org, agent):
    from courrier.services.actions import mail_actions
    from courrier.services.mail import assign_mail

    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    assert "assign_to_me" in [a.code for a in mail_actions(mail, agent)]
    assign_mail(actor=agent, mail=mail, assignee=agent)
    mail.refresh_from_db()
    assert "assign_to_me" not in [a.code for a in mail_actions(mail, agent)]


def test_the_icon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    assert client.get(response["Location"]).status_code == 200


def _captured_with(mail, suggestions):
    source = receive_input(source_kind=SourceKind.UPLOAD, name="lettre.pdf", content=b"%PDF-")
    CapturedMail.objects.create(input=source, segment=0, mail=mail, suggestions=suggestions)


def test_qualification_pre_fills_only_confident_suggestions_and_the_sender(client, clerk, org):
    from courrier.tests.factories import ContactFactory, DocumentTypeFactory

    DocumentTypeFactory.create(code="signalement", label="Signalement", delay_days=15)
    lucie = ContactFactory.create(last_name="Martin", first_name="Lucie", email="lucie@ex.fr")
    mail = make_mail(subject="Lettre")
    _captured_with(
        mail,
        {
            "document_type": {"code": "signalement", "label": "Signalement", "confidence": 0.2},
            "entity": {"code": "URBA", "label": "Urbanisme", "confidence": 0.2},
            "sender": {"contact": lucie.pk, "label": "Lucie Martin", "confidence": 0.9},
        },
    )
    client.force_login(clerk)
    response = client.get(reverse("qualify", args=[mail.pk]))
    form = response.context["form"]
    assert form.initial["document_type"] is None  # a 20 % guess is not typed in for the clerk
    assert form.initial["destination_entity"] is None
    assert "Lucie Martin" in form.initial["sender"]  # the sender found at 90 % is
    page = response.content.decode()
    assert "peut-être Signalement (20 %)" in page and "suggéré 90 %" in page


def test_changing_the_type_brings_its_service_as_destination(client, clerk, org):
    from courrier.tests.factories import DocumentTypeFactory

    permis = DocumentTypeFactory.create(
        code="permis", label="Permis", delay_days=60, default_entity=org.urbanisme
    )
    mail = make_mail(subject="Lettre", destination_entity=org.voirie)
    client.force_login(clerk)
    url = reverse("qualify_defaults", args=[mail.pk])
    query = {"document_type": permis.pk, "destination_entity": org.voirie.pk}
    page = client.get(url, {**query, "changed": "document_type"}).content.decode()
    assert 'id="destination-entity" hx-swap-oob="true"' in page
    assert f'<option value="{org.urbanisme.pk}" selected>' in page
    # changing the destination itself leaves the clerk's choice alone
    page = client.get(url, {**query, "changed": "destination_entity"}).content.decode()
    assert "hx-swap-oob" not in page
    # a destination the clerk chose before the type stays hers
    page = client.get(
        url, {**query, "changed": "document_type", "entity_chosen": "1"}
    ).content.decode()
    assert "hx-swap-oob" not in page
    # the screen says so from the start when the mail came with its destination
    page = client.get(reverse("qualify", args=[mail.pk])).content.decode()
    assert 'name="entity_chosen" id="entity-chosen" value="1"' in page


def test_circuit_templates_of_the_services_above_are_offered(client, agent, org):
    from visa.models import CircuitTemplate

    CircuitTemplate.objects.create(
        label="Visa DST puis signature du Maire", entity=org.st, steps=[["manager", "visa"]]
    )
    CircuitTemplate.objects.create(label="Circuit de l'urbanisme", entity=org.urbanisme, steps=[])
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    client.force_login(agent)
    response = client.get(reverse("mail_detail", args=[mail.pk]), {"tab": "reply"})
    offered = [t.label for t in response.context["circuit_templates"]]
    assert offered == ["Visa DST puis signature du Maire"]  # Services techniques is above Voirie


def test_the_citizens_form_names_the_town_hall_and_says_what_becomes_of_their_data(
    client, settings
):
    settings.BANNETTE_PRIVACY_CONTACT = "dpo@villedieu.fr"
    page = client.get(reverse("citizen_form")).content.decode()
    brand = page[page.index('class="brand"') : page.index("</a>", page.index('class="brand"'))]
    assert settings.BANNETTE_ORGANISATION_NAME in brand and "Bannette" not in brand
    assert "RGPD" in page and "dpo@villedieu.fr" in page


def test_a_manager_sees_the_folders_of_the_services_below(client, manager, org):
    from courrier.models import Folder

    Folder.objects.create(label="Travaux rue Haute", entity=org.voirie)
    Folder.objects.create(label="PLU 2027", entity=org.urbanisme)
    client.force_login(manager)  # Services techniques, above Voirie
    page = client.get(reverse("folders")).content.decode()
    assert "Travaux rue Haute" in page and "PLU 2027" not in page


def test_the_redirect_user_picker_lists_only_people_who_process_mail_by_service(
    client, agent, urbanisme_agent, archivist, administrator, org
):
    from api.services import create_service_account

    robot = create_service_account(
        actor=administrator, name="portail", entity=org.urbanisme, role="agent"
    ).user
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    client.force_login(agent)
    response = client.get(reverse("mail_detail", args=[mail.pk]))
    people = response.context["people_options"]
    for person in (urbanisme_agent, agent):
        assert f'<option value="{person.pk}">{person}</option>' in people
    assert f'value="{archivist.pk}"' not in people  # archivists and administrators receive none
    assert f'value="{robot.pk}"' not in people  # nor do applications' service accounts
    assert '<optgroup label="Urbanisme" data-entity=' in response.content.decode()


def test_reply_letters_greet_as_a_french_letter_and_write_from_the_town_hall(org):
    from courrier.tests.factories import ContactFactory
    from templates_office.catalogue import contact_fields, entity_fields

    org.mairie.address = "1 place de la Mairie\n00100 Villedieu"
    org.mairie.save()
    assert entity_fields(org.voirie)["address"] == "1 place de la Mairie\n00100 Villedieu"
    assert contact_fields(ContactFactory.create(civility="M."))["salutation"] == "Monsieur"
    assert contact_fields(ContactFactory.create(civility="Mme"))["salutation"] == "Madame"
    company = ContactFactory.create(civility="", organisation_name="Garage Petit")
    assert contact_fields(company)["salutation"] == "Madame, Monsieur"


def test_the_demo_reply_template_is_a4_and_says_monsieur(db):
    import io

    import docx
    from django.core.management import call_command

    from templates_office.models import OfficeTemplate

    call_command("load_demo", mails=0)
    template = OfficeTemplate.objects.get(label="Réponse standard")
    with template.file.open("rb") as handle:
        document = docx.Document(io.BytesIO(handle.read()))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert any("recipient.salutation" in p.text for p in document.paragraphs)


def test_baskets_and_roles_read_in_french_in_the_administration(client, org):
    from django.contrib.auth.models import Group

    from courrier.models import Basket
    from courrier.tests.factories import UserFactory

    assert str(Basket.objects.get(code="to_qualify")) == "À qualifier"
    boss = UserFactory.create(
        username="chef", primary_entity=org.dgs, is_staff=True, is_superuser=True
    )
    client.force_login(boss)
    page = client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert Group.objects.filter(name="clerk").exists()
    assert "Agent du service courrier" in page and "Archiviste" in page


def test_no_screen_asks_for_ctrl_click_to_choose_several(client, agent, clerk, org):
    import re

    mail = make_mail(subject="Voirie", destination_entity=org.voirie)
    client.force_login(agent)
    pages = [
        reverse("absences"),
        reverse("mail_detail", args=[mail.pk]) + "?tab=notes",
        reverse("mail_detail", args=[mail.pk]) + "?tab=opinions",
        reverse("mail_detail", args=[mail.pk]),
    ]
    client.force_login(clerk)
    qualify = client.get(reverse("qualify", args=[mail.pk])).content.decode()
    assert 'name="copy_entities"' in qualify and 'type="checkbox"' in qualify
    client.force_login(agent)
    for url in pages:
        html = client.get(url).content.decode()
        assert not re.search(r"<select[^>]*\bmultiple\b", html), url
    absences = client.get(reverse("absences")).content.decode()
    assert 'list="colleague-options"' in absences  # one substitute per basket, typed


def test_the_menu_groups_links_and_names_the_user_and_role(client, clerk, manager, org):
    client.force_login(manager)
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="Menu principal"' in page
    assert "Parapheur" in page and "Signature" in page  # the section and its link
    assert "Responsable" in page and str(manager.primary_entity) in page
    assert "Ma clé de signature" in page and "Se déconnecter" in page
    client.force_login(clerk)
    page = client.get(reverse("home")).content.decode()
    assert "Agent du service courrier" in page and "Erreurs de capture" in page
    assert "Parapheur" not in page


def test_the_organisation_logo_and_colour_come_from_settings(client, settings, tmp_path, agent):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    settings.BANNETTE_ORGANISATION_LOGO = str(logo)
    settings.BANNETTE_BRAND_COLOUR = "#006b3c"
    page = client.get(reverse("login")).content.decode()
    assert reverse("organisation_logo") in page and "--brand:#006b3c" in page
    served = client.get(reverse("organisation_logo"))
    assert served["Content-Type"] == "image/svg+xml"
    assert "sandbox" in served["Content-Security-Policy"]  # its script never runs


def test_a_pale_brand_colour_or_a_missing_logo_is_reported_at_start_up(settings):
    from courrier.checks import branding_check

    settings.BANNETTE_BRAND_COLOUR = "#ffd700"
    settings.BANNETTE_ORGANISATION_LOGO = "/nowhere/logo.png"
    ids = {message.id for message in branding_check()}
    assert ids == {"bannette.W010", "bannette.W011"}
    settings.BANNETTE_BRAND_COLOUR = "#124e8c"
    settings.BANNETTE_ORGANISATION_LOGO = ""
    assert branding_check() == []


def test_permissions_read_in_french_in_the_administration(client, org):
    from django.contrib.auth.models import Group

    from courrier.tests.factories import UserFactory

    boss = UserFactory.create(
        username="chef", primary_entity=org.dgs, is_staff=True, is_superuser=True
    )
    client.force_login(boss)
    clerk_role = Group.objects.get(name="clerk")
    page = client.get(reverse("admin:auth_group_change", args=[clerk_role.pk])).content.decode()
    assert "Can add" not in page and "Can change" not in page
    assert "Peut ajouter message IMAP" in page
    assert "Peut qualifier" in page  # a permission of our own, by its French name


def test_the_user_list_leaves_service_accounts_to_their_own_screen(client, administrator, org):
    from api.services import create_service_account

    robot = create_service_account(
        actor=administrator, name="portail", entity=org.urbanisme, role="agent"
    ).user
    client.force_login(administrator)
    page = client.get(reverse("administration_section", args=["users"])).content.decode()
    assert administrator.username in page and robot.username not in page
    edit = client.get(reverse("administration_edit", args=["users", robot.pk]))
    assert edit.status_code == 404  # no password form for an application's account


def test_an_agent_creates_a_folder_in_her_entity_only(client, agent, org):
    from courrier.models import Folder, JournalEvent

    client.force_login(agent)
    page = client.get(reverse("folders")).content.decode()
    assert 'name="label"' in page  # no longer for administrators only
    client.post(reverse("folders"), {"label": "  Travaux   rue Haute ", "entity": org.voirie.pk})
    folder = Folder.objects.get()
    assert (folder.label, folder.entity) == ("Travaux rue Haute", org.voirie)
    assert JournalEvent.objects.filter(action="folder.created").count() == 1
    again = client.post(
        reverse("folders"), {"label": "travaux rue haute", "entity": org.voirie.pk}, follow=True
    )
    assert "a déjà un dossier" in again.content.decode()
    client.post(reverse("folders"), {"label": "PLU", "entity": org.urbanisme.pk})
    assert not Folder.objects.filter(label="PLU").exists()  # not her entity
