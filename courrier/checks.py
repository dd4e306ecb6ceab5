"""System checks: configuration errors reported at start-up, not at the first registration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def chrono_pattern_check(**_: Any) -> list[CheckMessage]:
    pattern = settings.BANNETTE_CHRONO_PATTERN
    try:
        sample = pattern.format(prefix="P", year=2026, category="A", counter=1)
    except (KeyError, IndexError, ValueError) as exc:
        return [Error(f"BANNETTE_CHRONO_PATTERN {pattern!r} is invalid: {exc}", id="bannette.E001")]
    if "{counter" not in pattern or sample == pattern.format(
        prefix="P", year=2026, category="A", counter=2
    ):
        return [Error("BANNETTE_CHRONO_PATTERN must contain {counter}", id="bannette.E002")]
    return []
