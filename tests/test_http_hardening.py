"""What every response promises a browser and an operator: a script policy, a request id in the
response and in the logs, and production settings that pass Django's deployment checks."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from courrier.models import MailStatus
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db


def test_pages_forbid_foreign_and_inline_scripts_but_run_their_own(client, agent, org):
    make_mail(destination_entity=org.voirie, override={"status": MailStatus.IN_PROGRESS})
    client.force_login(agent)
    response = client.get(reverse("basket", args=["entity_mail"]))  # its batch form's script
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    script_src = directives["script-src"].split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    style_src = directives["style-src"].split()
    assert "'unsafe-inline'" not in style_src and style_src[0] == "'self'"
    nonce = next(s for s in script_src if s.startswith("'nonce-"))[7:-1]
    page = response.content.decode()
    # the page's own inline script carries the nonce, and no element has an event handler
    assert f'<script nonce="{nonce}">' in page
    assert " onclick=" not in page and " onsubmit=" not in page and " onchange=" not in page
    assert response["X-Frame-Options"] == "DENY"


def test_only_documents_may_be_framed_and_only_by_bannette(client, agent, org):
    from courrier.letters import letter_pdf
    from courrier.services.mail import IncomingFile

    original = IncomingFile("lettre.pdf", letter_pdf(["Objet : essai"]), "application/pdf")
    mail = make_mail(destination_entity=org.voirie, original=original)
    client.force_login(agent)
    response = client.get(reverse("mail_file", args=[mail.pk, "pdf"]))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_no_template_uses_inline_event_handlers_or_unsigned_inline_scripts_or_styles():
    roots = [
        django_settings.BASE_DIR / app
        for app in (
            "courrier",
            "capture",
            "visa",
            "templates_office",
            "indexing",
            "scanner_hotfolders",
            "demo",
            "administration",
            "archives",
            "stats",
            "notifications",
            "api",
            "sso",
        )
    ]
    offenders = []
    for root in roots:
        for template in [*root.rglob("templates/**/*.html"), *root.rglob("templates/**/*.svg")]:
            if "email" in template.parts or template.name in ("acknowledgment.html", "notice.html"):
                continue  # e-mails are not served by Bannette
            text = template.read_text(encoding="utf-8")
            for handler in (" onclick=", " onsubmit=", " onchange=", " oninput=", "javascript:"):
                if handler in text:
                    offenders.append(f"{template}: {handler.strip()}")
            if "<script>" in text:
                offenders.append(f"{template}: <script> without nonce")
            if " style=" in text or "<style>" in text:
                offenders.append(f"{template}: inline style (a class, or <style nonce=…>)")
    assert offenders == []


def test_each_response_has_a_request_id_that_the_log_lines_carry(client, caplog):
    sent = uuid.uuid4().hex
    with caplog.at_level(logging.INFO):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)
        logging.getLogger("bannette.test").info("inside the request? no: after it")
    assert response["X-Request-ID"] == sent  # a proxy's id is kept
    fresh = client.get("/healthz")["X-Request-ID"]
    assert len(fresh) == 32 and fresh != sent
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert forged != "<script>"  # only UUIDs are taken over


def _fresh_env(**env: str) -> dict[str, str]:
    """This environment without Bannette's variables: settings as a new install reads them."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BANNETTE_")}
    base.update(DATABASE_URL="", **env)
    return base


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        env=_fresh_env(**env),
        check=False,
    )


PRODUCTION = {
    "BANNETTE_SECRET_KEY": "k" * 20 + uuid.uuid4().hex + uuid.uuid4().hex,
    "BANNETTE_ALLOWED_HOSTS": "courrier.example.fr",
    "BANNETTE_SECURE_COOKIES": "true",
    "BANNETTE_BEHIND_HTTPS_PROXY": "true",
    "BANNETTE_SSL_REDIRECT": "true",
    "BANNETTE_HSTS_SECONDS": "31536000",
    "BANNETTE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "BANNETTE_HSTS_PRELOAD": "true",
}


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        BANNETTE_DATA_DIR=str(tmp_path),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # and the embedded defaults do not pass: the checks are real
    lax = _manage("check", "--deploy", "--fail-level", "WARNING", BANNETTE_DATA_DIR=str(tmp_path))
    assert lax.returncode != 0


def test_json_logs_are_one_object_per_line_with_the_request_id(tmp_path):
    script = (
        "import django, logging; django.setup();"
        "from django_guid import set_guid; set_guid('abc123');"
        "logging.getLogger('capture.services').info('capture input %s: done', 7)"
    )
    env = _fresh_env(
        DJANGO_SETTINGS_MODULE="config.settings",
        BANNETTE_DATA_DIR=str(tmp_path),
        BANNETTE_LOG_FORMAT="json",
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    (line,) = [line for line in result.stderr.splitlines() if "capture input" in line]
    record = json.loads(line)
    assert record["message"] == "capture input 7: done"
    assert record["request_id"] == "abc123"
    assert record["level"] == "INFO" and record["name"] == "capture.services"


def test_a_refusal_is_logged_on_one_line_without_a_traceback(client, outsider, caplog):
    """403s are the application working: the log says so in one line (it printed a full
    traceback for each)."""
    client.force_login(outsider)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("administration"))
    assert response.status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert refused and all(r.exc_info is None for r in refused)
    assert "Traceback" not in caplog.text
