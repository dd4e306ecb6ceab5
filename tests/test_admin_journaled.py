"""Every change made in Django's administration is journaled: each registered ModelAdmin that
can add, change or delete journals it (courrier.admin_journal.JournaledAdminMixin); the others
are read-only. And the two that did not, through the real admin pages."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from api.models import ApiToken
from courrier.admin_journal import JournaledAdminMixin
from courrier.models import DocumentType, JournalEvent
from courrier.tests.factories import DocumentTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_admin_that_writes_journals_its_changes():
    superuser = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    request = RequestFactory().get("/")
    request.user = superuser
    silent = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, JournaledAdminMixin):
            continue
        writes = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if writes:
            silent.append(f"{model._meta.label} ({type(model_admin).__name__})")
    assert silent == [], "journal these admins' changes: " + ", ".join(silent)


def test_a_document_type_and_an_api_token_changed_in_the_admin_are_journaled(client):
    superuser = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    doctype = DocumentTypeFactory.create(code="permis", label="Permis")
    token, _secret = ApiToken.issue(user=superuser, name="Logiciel métier")
    client.force_login(superuser)
    page = reverse("admin:courrier_documenttype_change", args=[doctype.pk])
    form = client.get(page).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(label="Permis de construire", implicit_basis="article L231-1")
    response = client.post(page, {k: v for k, v in data.items() if not isinstance(v, list)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DocumentType.objects.get(pk=doctype.pk).label == "Permis de construire"
    changed = JournalEvent.objects.get(action="admin.changed", object_type="courrier.documenttype")
    assert "label" in changed.details["fields"] and changed.actor == superuser
    delete = reverse("admin:api_apitoken_delete", args=[token.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    removed = JournalEvent.objects.get(action="admin.deleted")
    assert removed.details["label"] == str(token)
