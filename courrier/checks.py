"""System checks: configuration errors reported at start-up, not at the first registration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


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


@register()
def branding_check(**_: Any) -> list[CheckMessage]:
    from courrier.branding import LOGO_TYPES, contrast_with_white, logo_path

    problems: list[CheckMessage] = []
    logo = settings.BANNETTE_ORGANISATION_LOGO
    if logo and logo_path() is None:
        problems.append(
            Warning(
                f"BANNETTE_ORGANISATION_LOGO={logo!r} is not a readable "
                f"{'/'.join(sorted(LOGO_TYPES))} file: the header shows the name only",
                id="bannette.W010",
            )
        )
    ratio = contrast_with_white(settings.BANNETTE_BRAND_COLOUR)
    if ratio < 4.5:
        problems.append(
            Warning(
                f"BANNETTE_BRAND_COLOUR={settings.BANNETTE_BRAND_COLOUR} gives white text a "
                f"contrast of {ratio:.1f}:1, below the 4.5:1 that accessibility (RGAA) asks",
                id="bannette.W011",
            )
        )
    return problems
