"""Choice lists rendered once per page: escaped, grouped by entity, in the given order."""

from __future__ import annotations

import pytest

from courrier.html_options import checkboxes, entity_options, people_options
from courrier.models import User
from courrier.tests.factories import EntityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_labels_and_names_are_escaped_never_markup():
    entity = EntityFactory.create(code="X", label='<script>alert("x")</script>', short_label="")
    UserFactory.create(username="p", first_name="<b>Zoé</b>", primary_entity=entity)
    html = entity_options([entity]) + checkboxes("to", [entity])
    html += people_options(User.objects.filter(username="p").order_by("primary_entity"))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert f'<option value="{entity.pk}">' in html


def test_people_are_grouped_under_their_entity_in_order(org):
    for username, first, last, entity in (
        ("v1", "Anne", "Vial", org.voirie),
        ("v2", "", "", org.voirie),
        ("u1", "Paul", "Urb", org.urbanisme),
    ):
        UserFactory.create(
            username=username, first_name=first, last_name=last, primary_entity=entity
        )
    people = User.objects.filter(username__in=["v1", "v2", "u1"]).order_by(
        "primary_entity__label", "primary_entity", "last_name"
    )
    html = people_options(people)
    assert html.count("<optgroup") == 2
    urbanisme, voirie = html.split("</optgroup>")[:2]
    assert (
        f'label="Urbanisme" data-entity="{org.urbanisme.pk}"' in urbanisme
        and "Paul Urb" in urbanisme
    )
    assert "Anne Vial" in voirie and ">v2</option>" in voirie  # no name: the username
