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
