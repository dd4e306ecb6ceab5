"""The API's pages in a real browser: Swagger UI draws (its script once broke on the CSP and
left a blank page), and the French reference lists the operations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_draws_under_the_content_security_policy(open_as, agent):
    page = open_as("agent")  # open_as fails the test on any CSP violation
    base = page.url.rstrip("/")
    page.goto(f"{base}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API de Bannette")
    expect(page.locator(".opblock").first).to_be_visible()
    page.goto(f"{base}/api/v1/reference/")
    expect(page.locator("h1")).to_have_text("Référence de l'API")
    expect(page.locator(".api-operation").first).to_be_visible()
