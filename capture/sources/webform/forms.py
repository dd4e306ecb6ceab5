from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from capture.forms import MultipleFileField, MultipleFileInput
from capture.models import WebFormTopic
from capture.sniff import IMAGES, PDF, sniff

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024


class CitizenRequestForm(forms.Form):
    civility = forms.ChoiceField(
        label=_("Civility"),
        required=False,
        choices=[("", "—"), ("Mme", "Madame"), ("M.", "Monsieur")],
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("Your acknowledgment and tracking code are sent here."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Postal address"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=16, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    topic = forms.ModelChoiceField(
        WebFormTopic.objects.filter(active=True), label=_("Your request is about")
    )
    message = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=8000
    )
    documents = MultipleFileField(
        label=_("Documents (PDF, JPEG or PNG; 5 files, 10 MiB each at most)"),
        widget=MultipleFileInput(),
        required=False,
    )
    # Honeypot: hidden from people by CSS; robots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean_documents(self) -> list[Any]:
        files = [f for f in self.cleaned_data.get("documents") or [] if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)s files.") % {"n": MAX_FILES})
        for upload in files:
            if upload.size > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than 10 MiB.") % {"name": upload.name}
                )
            head = upload.read(1024)
            upload.seek(0)
            if sniff(head) not in IMAGES | {PDF}:
                raise forms.ValidationError(
                    _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": upload.name}
                )
        return files
