"""Settings screens for functional administrators: forms instead of JSON and codes, every
change through the service and the journal, and nothing for those without the right."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from capture.models import ImapAccount
from courrier.baskets import BasketCriteria
from courrier.models import Basket, DiffusionTemplate, DocumentType, Entity, JournalEvent, User
from scanner_hotfolders.models import HotFolder
from visa.models import CircuitTemplate

pytestmark = pytest.mark.django_db


def journaled(action: str, target: object) -> list[JournalEvent]:
    label = target._meta.label_lower  # type: ignore[attr-defined]
    events = JournalEvent.objects.filter(action=action, object_type=label, object_id=target.pk)  # type: ignore[attr-defined]
    return list(events)


def test_every_section_opens_for_an_administrator_and_none_for_an_agent(
    client, administrator, agent
):
    client.force_login(administrator)
    index = client.get(reverse("administration"))
    sections = [s.code for s in index.context["sections"]]
    assert sections == [
        "entities",
        "users",
        "baskets",
        "document-types",
        "custom-fields",
        "circuits",
        "diffusion-lists",
        "hot-folders",
        "mailboxes",
    ]
    for code in sections:
        assert client.get(reverse("administration_section", args=[code])).status_code == 200
        assert client.get(reverse("administration_new", args=[code])).status_code == 200
    client.force_login(agent)
    assert client.get(reverse("administration")).status_code == 403
    assert client.get(reverse("administration_section", args=["users"])).status_code == 403
    assert client.post(reverse("administration_new", args=["entities"]), {}).status_code == 403


def test_the_entity_tree_is_shown_in_order_and_cannot_loop(client, administrator, org):
    client.force_login(administrator)
    page = client.get(reverse("administration_section", args=["entities"]))
    names = [(str(obj), depth) for obj, depth, _cells in page.context["rows"]]
    assert names[:3] == [("Mairie", 0), ("Direction générale", 1), ("Courrier", 2)]
    assert ("Voirie", 3) in names
    # The DGS cannot be put below the Voirie, which is below it.
    response = client.post(
        reverse("administration_edit", args=["entities", org.dgs.pk]),
        {
            "code": "DGS",
            "label": "Direction générale",
            "entity_type": "direction",
            "parent": org.voirie.pk,
        },
    )
    assert "ne peut pas être placée sous elle-même" in response.content.decode()
    org.dgs.refresh_from_db()
    assert org.dgs.parent == org.mairie


def test_creating_a_user_with_entities_and_roles_journals_it_without_the_password(
    client, administrator, org
):
    client.force_login(administrator)
    agent_role = Group.objects.get(name="agent")
    response = client.post(
        reverse("administration_new", args=["users"]),
        {
            "username": "p.nouveau",
            "first_name": "Paul",
            "last_name": "Nouveau",
            "email": "p.nouveau@example.org",
            "primary_entity": org.voirie.pk,
            "entities": [org.urbanisme.pk],
            "roles": [agent_role.pk],
            "password": "Un-mot-de-passe-solide-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="p.nouveau")
    assert user.check_password("Un-mot-de-passe-solide-42")
    assert list(user.groups.values_list("name", flat=True)) == ["agent"]
    assert list(user.entities.all()) == [org.urbanisme]
    (event,) = journaled("admin.created", user)
    assert "password" in event.details["fields"]
    assert "Un-mot-de-passe" not in str(event.details)


def test_a_new_user_needs_a_password_and_a_weak_one_is_refused(client, administrator, org):
    client.force_login(administrator)
    form = {
        "username": "x",
        "first_name": "X",
        "last_name": "Y",
        "primary_entity": org.voirie.pk,
        "roles": [],
    }
    page = client.post(reverse("administration_new", args=["users"]), form).content.decode()
    assert "mot de passe initial" in page
    page = client.post(
        reverse("administration_new", args=["users"]), {**form, "password": "123"}
    ).content.decode()
    assert "trop court" in page
    assert not User.objects.filter(username="x").exists()


def test_basket_criteria_are_a_form_and_stored_as_the_engine_reads_them(client, administrator, org):
    client.force_login(administrator)
    manager_role = Group.objects.get(name="manager")
    response = client.post(
        reverse("administration_new", args=["baskets"]),
        {
            "code": "late_below",
            "label": "En retard dans mes services",
            "roles": [manager_role.pk],
            "position": 50,
            "redirect_scope": "all",
            "statuses": ["in_progress", "on_hold"],
            "entity_scope": "mine_and_below",
            "deadline_state": "late",
            "assigned_to_me": "",
        },
    )
    assert response.status_code == 302
    basket = Basket.objects.get(code="late_below")
    assert BasketCriteria.from_json(basket.criteria) == BasketCriteria(
        statuses=["in_progress", "on_hold"], entity_scope="mine_and_below", deadline_state="late"
    )
    # The edit form shows them back as fields.
    form = client.get(reverse("administration_edit", args=["baskets", basket.pk])).context["form"]
    assert form.initial["deadline_state"] == "late"
    assert form.initial["entity_scope"] == "mine_and_below"
    assert journaled("admin.created", basket)


def test_document_types_with_their_delays(client, administrator, org):
    client.force_login(administrator)
    client.post(
        reverse("administration_new", args=["document-types"]),
        {
            "code": "permis",
            "label": "Permis de construire",
            "category": "incoming",
            "delay_days": 60,
            "delay_unit": "calendar",
            "reminder1_days_before": 10,
            "reminder2_days_after": 5,
            "escalation_percent": 80,
            "processing_mode": "sva",
            "implicit_delay": 2,
            "implicit_delay_unit": "months",
            "appeal_routes": "",
            "default_entity": org.urbanisme.pk,
            "retention_duration": "P10Y",
            "final_disposition": "keep",
        },
    )
    created = DocumentType.objects.get(code="permis")
    assert created.delay_days == 60 and created.default_entity == org.urbanisme
    assert (created.implicit_delay, created.implicit_delay_unit) == (2, "months")
    assert created.escalation_percent == 80
    listed = client.get(reverse("administration_section", args=["document-types"]))
    assert "Permis de construire" in listed.content.decode()


def test_circuit_templates_as_rows_of_people_and_roles(client, administrator, org, manager):
    signer = User.objects.create(username="maire", first_name="Jeanne", last_name="Maire")
    client.force_login(administrator)
    rows = {"step_0_user": "manager", "step_0_role": "visa", "step_1_user": "maire"}
    form = {"label": "Visa puis signature", "entity": org.st.pk, **rows, "step_1_role": "signature"}
    assert client.post(reverse("administration_new", args=["circuits"]), form).status_code == 302
    template = CircuitTemplate.objects.get(label="Visa puis signature")
    assert template.steps == [["manager", "visa"], [signer.username, "signature"]]
    bad = {**form, "label": "Signature d'abord", "step_0_role": "signature"}
    page = client.post(reverse("administration_new", args=["circuits"]), bad).content.decode()
    assert "Seule la dernière étape peut être la signature" in page


def test_diffusion_templates_as_lines(client, administrator, org, agent):
    client.force_login(administrator)
    form = {
        "label": "Copie ST",
        "entry_0_role": "copy",
        "entry_0_entity": org.st.pk,
        "entry_1_role": "copy",
        "entry_1_user": agent.pk,
    }
    assert (
        client.post(reverse("administration_new", args=["diffusion-lists"]), form).status_code
        == 302
    )
    template = DiffusionTemplate.objects.get(label="Copie ST")
    lines = {(e.role, e.entity_id, e.user_id) for e in template.entries.all()}
    assert lines == {("copy", org.st.pk, None), ("copy", None, agent.pk)}
    both = {**form, "label": "Les deux", "entry_0_user": agent.pk}
    page = client.post(reverse("administration_new", args=["diffusion-lists"]), both)
    assert "pas les deux" in page.content.decode()


def test_hot_folders_and_mailboxes(client, administrator, org, tmp_path):
    client.force_login(administrator)
    client.post(
        reverse("administration_new", args=["hot-folders"]),
        {"name": "scanner-2", "path": str(tmp_path), "entity": org.courrier.pk, "channel": "paper"},
    )
    assert HotFolder.objects.get(name="scanner-2").path == str(tmp_path)
    client.post(
        reverse("administration_new", args=["mailboxes"]),
        {
            "name": "accueil",
            "host": "imap.example.org",
            "port": 993,
            "security": "ssl",
            "username": "accueil",
            "password_env": "BANNETTE_IMAP_ACCUEIL_PASSWORD",
            "folder": "INBOX",
            "mode": "body",
            "post_action": "seen",
            "entity": org.courrier.pk,
        },
    )
    assert ImapAccount.objects.get(name="accueil").password_env.startswith("BANNETTE_")


def test_deactivating_is_journaled_and_one_cannot_deactivate_oneself(
    client, administrator, agent, org
):
    client.force_login(administrator)
    client.post(reverse("administration_toggle", args=["users", agent.pk]))
    agent.refresh_from_db()
    assert not agent.is_active
    assert journaled("admin.changed", agent)[0].details == {"fields": ["is_active"]}
    client.post(reverse("administration_toggle", args=["users", administrator.pk]))
    administrator.refresh_from_db()
    assert administrator.is_active
    client.post(reverse("administration_toggle", args=["entities", org.vasso.pk]))
    assert not Entity.objects.get(pk=org.vasso.pk).active


def test_a_default_basket_is_edited_in_the_readers_language(client, administrator):
    client.force_login(administrator)
    late = Basket.objects.get(code="late")
    form = client.get(reverse("administration_edit", args=["baskets", late.pk])).context["form"]
    assert form.initial["label"] == "Courriers en retard"
