"""Classification suggestions for captured mail: document type, entity and sender, each with a
confidence, from the administrators' rules and from what clerks already qualified."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Count, Max, QuerySet

from capture.models import ClassificationRule
from capture.options import SenderSuggestion, SuggestedField, Suggestion, Suggestions
from courrier.models import Contact, DocumentType, Entity, Mail, MailStatus

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

MIN_EXAMPLES = 6
MAX_EXAMPLES = 5000
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def fold(text: str) -> str:
    """Lower case without accents, for matching phrases the way people type them."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _suggestion(code: str, confidence: float, source: str) -> Suggestion:
    return {"code": code, "confidence": round(confidence, 3), "source": source}


def rule_suggestions(text: str) -> Suggestions:
    folded = fold(text)
    found = Suggestions()
    rules = ClassificationRule.objects.filter(active=True).select_related("document_type", "entity")
    for rule in rules:
        if fold(rule.pattern) not in folded:
            continue
        if rule.document_type and "document_type" not in found:
            found["document_type"] = _suggestion(rule.document_type.code, 1.0, "rule")
        if rule.entity and "entity" not in found:
            found["entity"] = _suggestion(rule.entity.code, 1.0, "rule")
    return found


@dataclass
class _Model:
    key: tuple[Any, ...]
    pipelines: dict[SuggestedField, Pipeline]


class LearnedClassifier:
    """Logistic regression over TF-IDF of qualified mail, retrained when that mail changes."""

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _model: ClassVar[_Model | None] = None

    @staticmethod
    def _examples() -> QuerySet[Mail]:
        return (
            Mail.objects.exclude(status=MailStatus.TO_QUALIFY)
            .exclude(text="")
            .filter(document_type__isnull=False, destination_entity__isnull=False)
        )

    @classmethod
    def _fit(cls, key: tuple[Any, ...]) -> _Model:
        # scikit-learn takes over a second to import: only a process that classifies pays it
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        rows = list(
            cls._examples()
            .order_by("-pk")
            .values_list("text", "document_type__code", "destination_entity__code")[:MAX_EXAMPLES]
        )
        pipelines: dict[SuggestedField, Pipeline] = {}
        columns: tuple[tuple[SuggestedField, int], ...] = (("document_type", 1), ("entity", 2))
        for field, column in columns:
            labels = [row[column] for row in rows]
            if len(rows) >= MIN_EXAMPLES and len(set(labels)) >= 2:
                pipeline = make_pipeline(
                    TfidfVectorizer(strip_accents="unicode", sublinear_tf=True, min_df=1),
                    LogisticRegression(max_iter=500),
                )
                pipeline.fit([row[0] for row in rows], labels)
                pipelines[field] = pipeline
        return _Model(key, pipelines)

    @classmethod
    def predict(cls, text: str) -> Suggestions:
        stats = cls._examples().aggregate(n=Count("pk"), last=Max("pk"), changed=Max("updated_at"))
        key = (stats["n"], stats["last"], stats["changed"])
        with cls._lock:
            if cls._model is None or cls._model.key != key:
                cls._model = cls._fit(key)
            pipelines = cls._model.pipelines
        found = Suggestions()
        for field, pipeline in pipelines.items():
            probabilities = pipeline.predict_proba([text])[0]
            best = int(probabilities.argmax())
            found[field] = _suggestion(
                str(pipeline.classes_[best]), float(probabilities[best]), "learned"
            )
        return found


def sender_suggestion(text: str) -> SenderSuggestion | None:
    """A known contact whose e-mail address appears in the text."""
    emails = {e.casefold() for e in _EMAIL.findall(text)}
    if not emails:
        return None
    contact = Contact.objects.filter(active=True, normalized_email__in=emails).first()
    if contact is None:
        return None
    return {
        "contact": contact.pk,
        "label": contact.display_name,
        "confidence": 0.9,
        "source": "address",
    }


def _labelled(suggestions: Suggestions) -> Suggestions:
    labels: tuple[tuple[SuggestedField, QuerySet[Any]], ...] = (
        ("document_type", DocumentType.objects.all()),
        ("entity", Entity.objects.all()),
    )
    for field, objects in labels:
        if field in suggestions:
            code = suggestions[field]["code"]
            label = objects.filter(code=code).values_list("label", flat=True).first()
            suggestions[field]["label"] = label or code
    return suggestions


def suggest(text: str) -> Suggestions:
    suggestions = LearnedClassifier.predict(text) if text.strip() else Suggestions()
    suggestions.update(rule_suggestions(text))  # an administrator's rule beats a guess
    _labelled(suggestions)
    sender = sender_suggestion(text)
    if sender:
        suggestions["sender"] = sender
    return suggestions


class Classify:
    """Suggestions for each segment; they pre-fill the clerk's qualification form."""

    name = "classify"

    def run_segment(self, ctx: Any, segment: Any) -> None:
        segment.suggestions = suggest(segment.text)
