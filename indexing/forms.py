from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from courrier.forms import WordedEmptyChoices
from courrier.models import Category, Channel, DocumentType, Entity, MailStatus
from indexing.query import SearchQuery

SORTS = [
    ("relevance", _("Relevance")),
    ("-arrival", _("Newest first")),
    ("arrival", _("Oldest first")),
]


def _choices(choices: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class SearchForm(WordedEmptyChoices, forms.Form):
    text = forms.CharField(label=_("Words"), required=False)
    chrono = forms.CharField(label=_("Chrono number"), required=False)
    sender = forms.CharField(label=_("Sender or recipient"), required=False)
    document_type = forms.ChoiceField(label=_("Document type"), required=False)
    entity = forms.ChoiceField(label=_("Entity"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_choices(MailStatus.choices)
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_choices(Category.choices)
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=_choices(Channel.choices)
    )
    keywords = forms.CharField(label=_("Keywords (comma-separated)"), required=False)
    arrival_from = _date_field(_("Arrived from"))
    arrival_to = _date_field(_("Arrived until"))
    due_from = _date_field(_("Due from"))
    due_to = _date_field(_("Due until"))
    closing_from = _date_field(_("Closed from"))
    closing_to = _date_field(_("Closed until"))
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        document_types = self.fields["document_type"]
        entities = self.fields["entity"]
        assert isinstance(document_types, forms.ChoiceField)
        assert isinstance(entities, forms.ChoiceField)
        document_types.choices = _choices(list(DocumentType.objects.values_list("code", "label")))
        entities.choices = _choices(
            list(Entity.objects.filter(active=True).values_list("code", "label"))
        )

    def to_query(self) -> SearchQuery:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        keywords = [k.strip() for k in data.pop("keywords", "").split(",") if k.strip()]
        return SearchQuery(keywords=keywords, **{"sort": "relevance", **data})
