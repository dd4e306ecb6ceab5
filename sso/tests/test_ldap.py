"""LDAP sign-in and synchronisation against a real OpenLDAP (slapd from Debian) started on a
loopback port with a throw-away directory: the person's entity and roles come from the
directory, people who left are deactivated, and every step is in the journal."""

from __future__ import annotations

from collections.abc import Iterator

import ldap
import pytest
from django.core.management import call_command
from django.urls import reverse

from courrier.models import JournalEvent, Role, User
from courrier.tests.factories import UserFactory
from sso.ldap import synchronise
from sso.models import ExternalIdentity
from sso.tests.servers import ADMIN_DN, ADMIN_PASSWORD, SUFFIX, Slapd

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def slapd(tmp_path_factory) -> Iterator[Slapd]:
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def directory(slapd, settings, org) -> Slapd:
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
        "sso.ldap.BannetteLDAPBackend",
    ]
    settings.BANNETTE_LDAP_URI = slapd.uri
    settings.BANNETTE_LDAP_BIND_DN, settings.BANNETTE_LDAP_BIND_PASSWORD = ADMIN_DN, ADMIN_PASSWORD
    settings.BANNETTE_LDAP_USER_BASE = f"ou=people,{SUFFIX}"
    settings.BANNETTE_LDAP_GROUP_BASE = f"ou=groups,{SUFFIX}"
    settings.BANNETTE_LDAP_ROLE_GROUPS = {
        "courrier-agents": Role.AGENT,
        "courrier-greffe": Role.CLERK,
    }
    return slapd


def sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_directory_user_signs_in_with_her_entity_and_role(client, directory, org):
    response = sign_in(client, "mdupont", "marie-pw")
    assert response.status_code == 302, response.content.decode()[:500]
    user = User.objects.get(username="mdupont")
    assert (user.first_name, user.last_name, user.email) == (
        "Marie",
        "Dupont",
        "mdupont@villedieu.fr",
    )
    assert user.primary_entity == org.voirie
    assert list(user.groups.values_list("name", flat=True)) == [Role.AGENT]
    assert not user.has_usable_password()  # the directory checks the password, not Bannette
    login = JournalEvent.objects.filter(action="auth.login", actor=user).get()
    assert login.details["method"] == "ldap"
    assert JournalEvent.objects.filter(
        action="auth.account_created", object_id=str(user.pk)
    ).exists()
    client.logout()
    assert sign_in(client, "mdupont", "faux").status_code == 200  # refused, the form again
    assert JournalEvent.objects.filter(action="auth.login_failed").exists()


def test_the_synchronisation_reports_first_then_applies_and_deactivates_who_left(
    directory, org, capsys
):
    call_command("sync_directory")  # a dry run: a report, nothing changed
    report = capsys.readouterr().out
    assert "mdupont" in report and "jleroy" in report and "simulation" in report.lower()
    assert not User.objects.filter(username__in=["mdupont", "jleroy", "psimon"]).exists()

    call_command("sync_directory", "--apply")
    clerk = User.objects.get(username="jleroy")
    assert clerk.primary_entity == org.courrier and clerk.has_perm("courrier.qualify_mail")
    assert User.objects.get(username="psimon").primary_entity == org.urbanisme

    conn = directory.admin()
    conn.delete_s(f"uid=psimon,ou=people,{SUFFIX}")  # Paul left the town hall
    conn.modify_s(
        f"uid=mdupont,ou=people,{SUFFIX}", [(ldap.MOD_REPLACE, "departmentNumber", [b"URBA"])]
    )
    conn.unbind_s()
    dry = synchronise(apply=False)
    assert dry.deactivated == ["psimon"]
    assert [name for name, _changes in dry.updated] == ["mdupont"]
    assert User.objects.get(username="psimon").is_active  # nothing applied yet
    synchronise(apply=True)
    assert not User.objects.get(username="psimon").is_active
    assert User.objects.get(username="mdupont").primary_entity == org.urbanisme
    assert JournalEvent.objects.filter(action="auth.account_deactivated").count() == 1
    assert JournalEvent.objects.filter(action="directory.synchronised").count() == 2


def test_a_directory_entry_named_admin_does_not_sign_in_as_the_local_superuser(client, directory):
    admin = User.objects.create_superuser("admin", "admin@villedieu.fr", "local-admin-pw")
    response = sign_in(client, "admin", "admin-pw")  # the directory's password for its entry
    assert response.status_code == 200  # the form again: refused
    assert "_auth_user_id" not in client.session
    assert not ExternalIdentity.objects.filter(user=admin).exists()
    admin.refresh_from_db()
    assert admin.is_superuser and admin.has_usable_password()  # untouched
    refused = JournalEvent.objects.get(action="auth.identity_refused")
    assert refused.details["source"] == "ldap" and "admin" in refused.details["reason"]
    assert sign_in(client, "ADMIN", "admin-pw").status_code == 200  # nor in capitals
    assert sign_in(client, "admin", "local-admin-pw").status_code == 302  # her own password


def test_a_service_account_entry_in_any_case_never_binds(client, directory):
    assert sign_in(client, "SVC-portail-demarches", "svc-pw").status_code == 200
    assert sign_in(client, "svc-portail-demarches", "svc-pw").status_code == 200
    assert not User.objects.filter(username__iexact="svc-portail-demarches").exists()


def test_an_existing_local_account_is_linked_to_its_entry_only_by_an_administrator(
    client, directory, org
):
    jean = UserFactory.create(username="jleroy", primary_entity=org.voirie)
    assert sign_in(client, "jleroy", "jean-pw").status_code == 200  # a name alone links not
    report = synchronise(apply=True)
    assert sorted(name for name, _why in report.refused) == ["SVC-portail-demarches", "jleroy"]
    assert not ExternalIdentity.objects.filter(user=jean).exists()
    call_command(
        "link_identity", "jleroy", "--source", "ldap", "--subject", f"UID=jleroy,ou=people,{SUFFIX}"
    )
    assert sign_in(client, "jleroy", "jean-pw").status_code == 302
    jean.refresh_from_db()
    assert jean.primary_entity == org.courrier  # the directory's entity, from now on
    assert JournalEvent.objects.filter(action="auth.identity_linked").count() == 1
