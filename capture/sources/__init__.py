"""Source adapters. Each may acknowledge its input once the mail is committed, or set it aside."""

from __future__ import annotations

import logging
from collections.abc import Callable

from capture.models import CaptureInput, SourceKind

logger = logging.getLogger(__name__)
Hook = Callable[[CaptureInput], None]
_ON_DONE: dict[str, Hook] = {}
_ON_ERROR: dict[str, Hook] = {}


def register_hooks(kind: SourceKind, *, on_done: Hook, on_error: Hook) -> None:
    _ON_DONE[kind] = on_done
    _ON_ERROR[kind] = on_error


def _call(hook: Hook | None, capture_input: CaptureInput) -> None:
    if hook is None:
        return
    try:
        hook(capture_input)
    except Exception:  # a source that cannot be reached must not undo or block the capture
        logger.exception("source hook failed for capture input %s", capture_input.pk)


def acknowledge(capture_input: CaptureInput) -> None:
    """Tell the source its input is safely registered (move the file, flag the message...)."""
    _call(_ON_DONE.get(capture_input.source_kind), capture_input)


def set_aside(capture_input: CaptureInput) -> None:
    """Tell the source its input failed (error folder with a reason, ...)."""
    _call(_ON_ERROR.get(capture_input.source_kind), capture_input)
