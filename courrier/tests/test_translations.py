"""The French catalogue: every string translated once, with the same placeholders."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from django.conf import settings

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{ *\w+ *\}\}")


def catalogue() -> dict[str, str]:
    path = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as handle:
        entries = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in entries.items() if isinstance(key, str) and key}


def test_no_translation_is_a_repeated_copy_of_itself():
    for source, text in catalogue().items():
        for times in range(2, 12):
            assert not (len(text) % times == 0 and text == text[: len(text) // times] * times), (
                source
            )


def test_translations_keep_the_placeholders_of_their_source():
    for source, text in catalogue().items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), source


# Words spelt the same in French and English.
SAME_IN_FRENCH = set(
    [
        "absence",
        "annotation",
        "contact",
        "options",
        "pages",
        "PDF",
        "position",
        "segment",
        "suggestions",
        "version",
        "versions",
        "Message-ID",
        "UIDVALIDITY",
        "code",
        "description",
        "actions",
        "type",
        "date",
        "signature",
        "message",
        "source",
        "rotation",
        "nature",
        "original",
        "action",
        "port",
    ]
)


def test_every_model_and_field_of_bannette_has_a_french_name():
    """The administration shows model and field names (and "Can add …" permissions)."""
    from django.apps import apps
    from django.utils import translation
    from django.utils.functional import Promise

    ours = {"courrier", "capture", "ocr", "indexing", "visa", "templates_office"}
    ours |= {"scanner_hotfolders", "administration", "demo"}
    english = []
    with translation.override("fr"):
        for model in (m for app in ours for m in apps.get_app_config(app).get_models()):
            names = [model._meta.original_attrs.get("verbose_name")]
            names += [f.verbose_name for f in model._meta.fields if f.name != "id"]
            for name in names:
                lazy = isinstance(name, Promise)
                with translation.override("en"):
                    source = str(name)
                if not lazy or (str(name) == source and source not in SAME_IN_FRENCH):
                    english.append(f"{model.__name__}: {source}")
    assert english == []
