"""Create the provider's signing key, its users and Bannette as a confidential client."""

from __future__ import annotations

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sso.tests.provider.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oidc_provider.models import Client, ResponseType  # noqa: E402

call_command("migrate", verbosity=0)
call_command("creatersakey", verbosity=0)
User.objects.create_user(
    "cmartin",
    email="claire.martin@villedieu.fr",
    password="claire-pw",
    first_name="Claire",
    last_name="Martin",
)
# People an attacker could register at a provider, named after Bannette's own accounts.
User.objects.create_user("admin", email="admin@ailleurs.example", password="admin-pw")
User.objects.create_user("SVC-portail-demarches", email="", password="svc-pw")
User.objects.create_user("mallory", email="c.martin", password="mallory-pw")
client = Client.objects.create(
    name="Bannette",
    client_type="confidential",
    client_id=sys.argv[1],
    client_secret=sys.argv[2],
    _redirect_uris=sys.argv[3],
    jwt_alg="RS256",
    require_consent=False,
    reuse_consent=True,
)
client.response_types.add(ResponseType.objects.get(value="code"))
