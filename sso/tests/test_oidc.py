"""OpenID Connect against a real provider (django-oidc-provider in its own process on a
loopback port): the authorization code flow from Bannette's button to its home page, the
person created from the claims with her entity and role, the sign-in journaled as "oidc"."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from django.core.management import CommandError, call_command

from courrier.models import JournalEvent, Role, User
from courrier.tests.factories import UserFactory
from sso.models import ExternalIdentity
from sso.tests.servers import OpenIdProvider

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory) -> Iterator[OpenIdProvider]:
    server = OpenIdProvider(tmp_path_factory.mktemp("op"), f"{live_server.url}/oidc/callback/")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def configured(provider, settings, org) -> OpenIdProvider:
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "sso.oidc.BannetteOIDCBackend",
    ]
    settings.BANNETTE_OIDC_CLIENT_ID = settings.OIDC_RP_CLIENT_ID = provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
    settings.OIDC_RP_SCOPES = "openid email profile organisation"
    for name, value in provider.endpoints().items():
        setattr(settings, name, value)
    settings.BANNETTE_OIDC_LABEL = "Keycloak de test"
    settings.BANNETTE_OIDC_ENTITY_CLAIM = "entity"
    settings.BANNETTE_OIDC_ROLE_MAP = {"courrier-agents": Role.AGENT}
    return provider


def sign_in_at_provider(
    browser: requests.Session, page: requests.Response, password: str, username: str = "cmartin"
):
    """The provider's own sign-in form, as a person fills it in."""
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
    return browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": nxt.replace("&amp;", "&"),
        },
        headers={"Referer": page.url},
        timeout=30,
    )


def test_an_agent_signs_in_with_the_provider_and_lands_on_her_baskets(configured, live_server, org):
    browser = requests.Session()
    login_page = browser.get(f"{live_server.url}/login/", timeout=30)
    assert (
        "Log in with Keycloak de test" in login_page.text
        or "Se connecter avec Keycloak de test" in login_page.text
    )
    at_provider = browser.get(f"{live_server.url}/oidc/authenticate/", timeout=30)
    assert at_provider.url.startswith(configured.url)  # sent to the provider's own page
    home = sign_in_at_provider(browser, at_provider, "claire-pw")
    assert home.url.rstrip("/") == live_server.url, home.url  # back, signed in, on the home page
    user = User.objects.get(username="cmartin")
    assert (user.first_name, user.last_name, user.email) == (
        "Claire",
        "Martin",
        "claire.martin@villedieu.fr",
    )
    assert user.primary_entity == org.voirie
    assert list(user.groups.values_list("name", flat=True)) == [Role.AGENT]
    assert not user.has_usable_password()
    login = JournalEvent.objects.get(action="auth.login", actor=user)
    assert login.details["method"] == "oidc"
    assert "Claire" in home.text  # the page knows who she is


def test_a_wrong_password_at_the_provider_signs_nobody_in(configured, live_server):
    browser = requests.Session()
    at_provider = browser.get(f"{live_server.url}/oidc/authenticate/", timeout=30)
    refused = sign_in_at_provider(browser, at_provider, "faux")
    assert refused.url.startswith(configured.url)  # still at the provider's form
    assert not User.objects.filter(username="cmartin").exists()


def sign_in_through_provider(live_server, username: str, password: str) -> requests.Response:
    browser = requests.Session()
    at_provider = browser.get(f"{live_server.url}/oidc/authenticate/", timeout=30)
    return sign_in_at_provider(browser, at_provider, password, username)


def signed_in(live_server, page: requests.Response) -> bool:
    return page.url.rstrip("/") == live_server.url


def test_a_provider_account_named_admin_does_not_become_the_local_superuser(
    configured, live_server
):
    admin = User.objects.create_superuser("admin", "admin@villedieu.fr", "local-admin-pw")
    page = sign_in_through_provider(live_server, "admin", "admin-pw")
    assert not signed_in(live_server, page), page.url
    assert "/login/" in page.url and '<ul class="messages">' in page.text  # the reason…
    assert "admin" in page.text.split('<ul class="messages">')[1].split("</ul>")[0]
    assert not ExternalIdentity.objects.filter(user=admin).exists()
    assert User.objects.filter(username__iexact="admin").count() == 1  # no look-alike either
    refused = JournalEvent.objects.get(action="auth.identity_refused")
    assert (refused.details["username"], refused.details["source"]) == ("admin", "oidc")


def test_an_email_claim_naming_a_local_account_does_not_sign_in_as_it(
    configured, live_server, settings
):
    settings.BANNETTE_OIDC_USERNAME_CLAIM = "login"  # absent: the e-mail claim names them
    claire = UserFactory.create(username="c.martin")
    page = sign_in_through_provider(live_server, "mallory", "mallory-pw")
    assert not signed_in(live_server, page)
    assert not ExternalIdentity.objects.filter(user=claire).exists()
    assert JournalEvent.objects.filter(action="auth.identity_refused").count() == 1
    assert not JournalEvent.objects.filter(action="auth.login").exists()


def test_a_service_account_name_in_any_case_never_signs_in_from_outside(configured, live_server):
    page = sign_in_through_provider(live_server, "SVC-portail-demarches", "svc-pw")
    assert not signed_in(live_server, page)
    assert not User.objects.filter(username__iexact="svc-portail-demarches").exists()


def test_once_linked_the_subject_signs_in_whatever_name_the_provider_gives_later(
    configured, live_server
):
    page = sign_in_through_provider(live_server, "cmartin", "claire-pw")
    assert signed_in(live_server, page)
    identity = ExternalIdentity.objects.get(source="oidc")
    User.objects.filter(pk=identity.user_id).update(username="claire.martin")  # renamed here
    again = sign_in_through_provider(live_server, "cmartin", "claire-pw")
    assert signed_in(live_server, again)
    assert User.objects.filter(username="cmartin").count() == 0  # the subject, not the name
    assert JournalEvent.objects.filter(action="auth.login").count() == 2


def test_a_verified_address_in_a_listed_domain_links_the_existing_account(
    configured, live_server, settings
):
    claire = UserFactory.create(username="c.martin", email="Claire.Martin@villedieu.fr")
    settings.BANNETTE_SSO_LINK_EMAIL_DOMAINS = ["villedieu.fr"]
    page = sign_in_through_provider(live_server, "cmartin", "claire-pw")
    assert signed_in(live_server, page)
    assert ExternalIdentity.objects.get(source="oidc").user == claire
    assert JournalEvent.objects.filter(
        action="auth.identity_linked_by_email", object_id=str(claire.pk)
    ).exists()
    assert not User.objects.filter(username="cmartin").exists()


def test_a_verified_address_never_links_a_superuser(configured, live_server, settings):
    User.objects.create_superuser("chef", "claire.martin@villedieu.fr", "pw")
    settings.BANNETTE_SSO_LINK_EMAIL_DOMAINS = ["villedieu.fr"]
    page = sign_in_through_provider(live_server, "cmartin", "claire-pw")
    assert signed_in(live_server, page)  # as a new account of her own, not as the superuser
    assert ExternalIdentity.objects.get(source="oidc").user.username == "cmartin"
    assert not User.objects.get(username="cmartin").is_superuser


def test_an_address_outside_the_listed_domains_links_nothing(configured, live_server, settings):
    UserFactory.create(username="cmartin", email="claire.martin@villedieu.fr")
    settings.BANNETTE_SSO_LINK_EMAIL_DOMAINS = ["autre-commune.fr"]
    page = sign_in_through_provider(live_server, "cmartin", "claire-pw")
    assert not signed_in(live_server, page)  # same name, unlinked: an administrator decides
    assert not ExternalIdentity.objects.exists()


def test_an_administrator_links_an_identity_and_it_is_journaled(configured, live_server):
    claire = UserFactory.create(username="cmartin")
    assert not signed_in(live_server, sign_in_through_provider(live_server, "cmartin", "claire-pw"))
    subject = JournalEvent.objects.get(action="auth.identity_refused").details["subject"]
    call_command("link_identity", "cmartin", "--source", "oidc", "--subject", subject)
    assert signed_in(live_server, sign_in_through_provider(live_server, "cmartin", "claire-pw"))
    assert ExternalIdentity.objects.get(source="oidc").user == claire
    assert JournalEvent.objects.filter(action="auth.identity_linked").count() == 1
    admin = User.objects.create_superuser("root", "root@villedieu.fr", "pw")
    with pytest.raises(CommandError, match="superutilisateur"):
        call_command("link_identity", admin.username, "--source", "oidc", "--subject", "x")
