from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from courrier.forms import WordedEmptyChoices
from courrier.models import Channel, DocumentType, Entity


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(item, initial) for item in files]


class UploadForm(WordedEmptyChoices, forms.Form):
    # An empty file does not refuse the whole selection: it goes to capture like the others
    # and ends in Capture errors under its own name ("le fichier est vide").
    documents = MultipleFileField(
        label=_("Files"), widget=MultipleFileInput(), allow_empty_file=True
    )
    entity = forms.ModelChoiceField(
        Entity.objects.filter(active=True), label=_("Destination entity"), required=False
    )
    document_type = forms.ModelChoiceField(
        DocumentType.objects.filter(active=True), label=_("Document type"), required=False
    )
    split = forms.BooleanField(label=_("Split on separator sheets"), required=False, initial=True)
    # Uploaded files are mostly paper post scanned at a desk: acknowledged as paper.
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[
            (Channel.PAPER, _("Paper post (scanned)")),
            (Channel.COUNTER, _("Handed in at the counter")),
            (Channel.UPLOAD, _("Other file received")),
        ],
        initial=Channel.PAPER,
        required=False,
    )

    def clean_documents(self) -> list[Any]:
        files: list[Any] = self.cleaned_data["documents"]
        limit = settings.BANNETTE_CAPTURE_MAX_BYTES
        too_big = [f.name for f in files if f.size > limit]
        if too_big:
            raise forms.ValidationError(
                _("Too large (limit %(mb)s MiB): %(names)s")
                % {"mb": limit // (1024 * 1024), "names": ", ".join(too_big)}
            )
        return files


class SeparatorForm(WordedEmptyChoices, forms.Form):
    entity = forms.ModelChoiceField(
        Entity.objects.filter(active=True),
        label=_("Entity"),
        required=False,
        empty_label=_("(generic sheet: no entity)"),
    )
    document_type = forms.ModelChoiceField(
        DocumentType.objects.filter(active=True), label=_("Document type"), required=False
    )
    copies = forms.IntegerField(label=_("Copies"), min_value=1, max_value=100, initial=5)
