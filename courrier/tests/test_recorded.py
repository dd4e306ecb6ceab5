"""Nothing unrecorded: sign-ins, taking a mail over, and administrators' changes are journaled."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.forms.models import model_to_dict
from django.urls import reverse

from courrier.models import Contact, Entity, JournalEvent, MailLock, MailStatus, Role
from courrier.roles import sync_roles_and_baskets
from courrier.services.locks import take_lock
from courrier.tests.factories import ContactFactory, UserFactory, make_mail

pytestmark = pytest.mark.django_db


def events(action: str) -> list[JournalEvent]:
    return list(JournalEvent.objects.filter(action=action).order_by("seq"))


def test_sign_in_sign_out_and_failed_sign_in_are_journaled(client, agent):
    agent.set_password("bon-mot-de-passe")
    agent.save()
    client.post(reverse("login"), {"username": "agent", "password": "mauvais"})
    client.post(reverse("login"), {"username": "personne", "password": "x"})
    client.post(reverse("login"), {"username": "agent", "password": "bon-mot-de-passe"})
    client.post(reverse("logout"))
    failed = events("auth.login_failed")
    assert [e.details["username"] for e in failed] == ["agent", "personne"]
    assert all("mauvais" not in str(e.details) for e in failed)  # never the password
    (login,) = events("auth.login")
    (logout,) = events("auth.logout")
    assert login.actor_id == logout.actor_id == agent.pk


def test_repeated_wrong_passwords_suspend_signing_in_and_say_so(client, agent, settings):
    settings.AXES_FAILURE_LIMIT = 3
    agent.set_password("bon-mot-de-passe")
    agent.save()
    for _ in range(3):
        client.post(reverse("login"), {"username": "agent", "password": "devine"})
    # now even the right password is refused, with a page that says why and for how long
    response = client.post(reverse("login"), {"username": "agent", "password": "bon-mot-de-passe"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "15 minutes" in page and "administrat" in page
    assert "_auth_user_id" not in client.session
    locked = events("auth.locked_out")  # on reaching the limit, and on each refused try
    assert locked and {e.details["username"] for e in locked} == {"agent"}
    # another account from the same address is not affected
    other = UserFactory.create(username="voisin", primary_entity=agent.primary_entity)
    other.set_password("autre-mot-de-passe")
    other.save()
    response = client.post(
        reverse("login"), {"username": "voisin", "password": "autre-mot-de-passe"}
    )
    assert response.status_code == 302


def test_spraying_passwords_over_many_accounts_from_one_address_is_suspended(
    client, agent, settings
):
    """Two tries per account stay under each account's lockout; the address's budget across
    accounts does not (BANNETTE_LOGIN_ADDRESS_FAILURES)."""
    settings.BANNETTE_LOGIN_ADDRESS_FAILURES = 20
    # a fast hasher: 33 password checks, the thing tested being the count, not the hashing
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    names = [f"agent{n}" for n in range(16)]
    for name in names:
        UserFactory.create(username=name, primary_entity=agent.primary_entity)
    answers = [
        client.post(reverse("login"), {"username": name, "password": guess}).status_code
        for name in names
        for guess in ("Printemps2026", "Villedieu1")
    ]
    assert answers[:20] == [200] * 20, answers  # the form again, with its error
    assert answers[20:] == [429] * 12  # suspended from this address, whatever the account
    agent.set_password("bon-mot-de-passe")
    agent.save()
    refused = client.post(reverse("login"), {"username": "agent", "password": "bon-mot-de-passe"})
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    elsewhere = client.post(
        reverse("login"),
        {"username": "agent", "password": "bon-mot-de-passe"},
        REMOTE_ADDR="192.0.2.7",
    )
    assert elsewhere.status_code == 302  # another address has its own budget


def test_taking_a_mail_over_is_journaled_with_whom_it_was_taken_from(client, agent, manager, org):
    mail = make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    take_lock(user=manager, mail=mail)
    client.force_login(agent)
    client.post(reverse("take_over_lock", args=[mail.pk]))
    assert MailLock.objects.get(mail=mail).user == agent
    (event,) = events("mail.lock_taken_over")
    assert event.actor_id == agent.pk and event.mail_id == mail.pk
    assert event.details == {"from": "manager"}


@pytest.fixture
def administrator(org):
    return UserFactory.create(
        username="chef",
        primary_entity=org.dgs,
        roles=[Role.ADMINISTRATOR],
        is_staff=True,
        is_superuser=True,
    )


def test_administrators_changes_in_the_admin_are_journaled(client, administrator, org):
    client.force_login(administrator)
    client.post(
        reverse("admin:courrier_entity_add"),
        {"code": "SPORT", "label": "Sports", "entity_type": org.voirie.entity_type, "active": "on"},
    )
    entity = Entity.objects.get(code="SPORT")
    contact = ContactFactory.create(last_name="Durand")
    change = reverse("admin:courrier_contact_change", args=[contact.pk])
    data = {k: v for k, v in model_to_dict(contact).items() if v is not None}
    data.update({"last_name": "Durant", "addresses-TOTAL_FORMS": "0"})
    data.update({"addresses-INITIAL_FORMS": "0", "active": "on"})
    client.post(change, data)
    client.post(reverse("admin:courrier_contact_delete", args=[contact.pk]), {"post": "yes"})
    (created,) = events("admin.created")
    assert (created.object_type, created.object_id) == ("courrier.entity", str(entity.pk))
    assert created.actor_id == administrator.pk
    (changed,) = events("admin.changed")
    assert changed.details["fields"] == ["last_name"]
    (deleted,) = events("admin.deleted")
    assert deleted.object_id == str(contact.pk) and not Contact.objects.filter(pk=contact.pk)


def test_a_permission_removed_from_a_role_is_removed_on_migrate(org):
    agents = Group.objects.get(name=Role.AGENT)
    extra = Permission.objects.get(codename="view_all_mail")
    agents.permissions.add(extra)
    sync_roles_and_baskets()
    assert not agents.permissions.filter(pk=extra.pk).exists()
    assert agents.permissions.filter(codename="close_mail").exists()


def test_users_change_their_own_password_and_it_is_journaled(client, agent):
    agent.set_password("ancien-mot-de-passe-1")
    agent.save()
    client.force_login(agent)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "ancien-mot-de-passe-1",
            "new_password1": "nouveau-Mot-de-passe-2",
            "new_password2": "nouveau-Mot-de-passe-2",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("nouveau-Mot-de-passe-2")
    (event,) = events("auth.password_changed")
    assert event.actor_id == agent.pk and "nouveau" not in str(event.details)
