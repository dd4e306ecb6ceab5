"""What a source tells the pipeline about an input, and what classification suggests.

Both are stored as JSON (`CaptureInput.options`, `CapturedMail.suggestions`); these types say
which keys they hold.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class CaptureOptions(TypedDict, total=False):
    channel: str  # courrier.models.Channel
    split: bool  # cut the batch on separator sheets
    subject: str | None  # else guessed from the text
    entity: str | None  # entity code; a separator sheet's wins
    document_type: str | None  # document type code; a separator sheet's wins
    sender_contact: int  # Contact id, when the source knows the sender (e-mail, web form)
    confidential: bool


SuggestedField = Literal["document_type", "entity"]


class Suggestion(TypedDict):
    code: str
    confidence: float  # 0..1
    source: str  # "rule" (an administrator's) or "learned" (from qualified mail)
    label: NotRequired[str]


class SenderSuggestion(TypedDict):
    contact: int
    label: str
    confidence: float
    source: str  # "address": a known contact's e-mail address is in the text


class Suggestions(TypedDict, total=False):
    document_type: Suggestion
    entity: Suggestion
    sender: SenderSuggestion
