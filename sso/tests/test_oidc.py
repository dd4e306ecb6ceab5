"""OpenID Connect against a real provider (django-oidc-provider in its own process on a
loopback port): the authorization code flow from Bannette's button to its home page, the
person created from the claims with her entity and role, the sign-in journaled as "oidc"."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from courrier.models import JournalEvent, Role, User
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


def sign_in_at_provider(browser: requests.Session, page: requests.Response, password: str):
    """The provider's own sign-in form, as a person fills it in."""
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
    return browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": token,
            "username": "cmartin",
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
