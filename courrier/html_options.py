"""Long choice lists (entities, people) rendered once per page, however many forms offer them.

A mail page offers the entities and the people one may send mail to in several forms (redirect,
copies, transfer, restricted notes...): hundreds of entities and thousands of people in a
ministry. Built here once, from plain values, they cost a millisecond; through the template
language, in every form, they were most of the page's time. Every value is escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from itertools import groupby

from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from courrier.models import Entity, User


def _options(pairs: Iterable[tuple[object, object]], selected: object = None) -> str:
    return "".join(
        f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>'
        f"{escape(str(label))}</option>"
        for value, label in pairs
    )


def options(pairs: Iterable[tuple[object, object]], selected: object = None) -> SafeString:
    """`<option>`s of a select from (value, label) pairs; `selected`: the chosen value."""
    return mark_safe(_options(pairs, selected))  # noqa: S308  escaped in _options


def entity_options(entities: Iterable[Entity], selected: int | None = None) -> SafeString:
    """`<option>`s of a select, one per entity (`selected`: the chosen entity's id)."""
    return options(((e.pk, e) for e in entities), selected)


def people_options(people: QuerySet[User]) -> SafeString:
    """`<option>`s grouped by the person's entity (`data-entity` lets a form narrow them).

    `people` must keep each entity's people together (order by entity first).
    """
    rows = people.values_list(
        "pk",
        "first_name",
        "last_name",
        "username",
        "primary_entity_id",
        "primary_entity__short_label",
        "primary_entity__label",
    )
    groups = []
    for (entity_id, short, label), members in groupby(rows, key=lambda row: row[4:]):
        names = _options(
            (pk, f"{first} {last}".strip() or username)
            for pk, first, last, username, *_entity in members
        )
        group = escape(short or label or "")
        groups.append(
            f'<optgroup label="{group}" data-entity="{entity_id or ""}">{names}</optgroup>'
        )
    return mark_safe("".join(groups))  # noqa: S308  escaped above


def checkboxes(name: str, items: Iterable[Entity]) -> SafeString:
    """The labelled checkboxes of a pick list (courrier/_pick_list.html)."""
    return mark_safe(  # noqa: S308  escaped here
        "".join(
            f'<label><input type="checkbox" name="{escape(name)}" value="{item.pk}"> '
            f"{escape(str(item))}</label>"
            for item in items
        )
    )
