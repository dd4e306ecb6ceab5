"""What capture adds to the mail core: where a mail came from, and what to qualify it as."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from capture.models import CapturedMail
from courrier.extensions import (
    InfoPanel,
    register_info_panel,
    register_suggestion_source,
)
from courrier.models import Mail


def _captured(mail: Mail) -> CapturedMail | None:
    """Not every mail was captured (typed in, outgoing replies)."""
    return CapturedMail.objects.select_related("input", "duplicate_of").filter(mail=mail).first()


def provenance(mail: Mail) -> dict[str, Any]:
    return {"captured": _captured(mail)}


def classification(mail: Mail) -> Mapping[str, Mapping[str, Any]]:
    captured = _captured(mail)
    return captured.suggestions if captured else {}


def register() -> None:
    register_info_panel(
        InfoPanel(code="capture", template="capture/panels/provenance.html", context=provenance)
    )
    register_suggestion_source(classification)
