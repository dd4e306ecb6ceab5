"""Full-text search in PostgreSQL, for deployments with several web and worker nodes.

The weighted tsvector (A: chrono and subject, B: contacts, C: text, notes, fields, keywords) is
written in the same transaction as the change it reflects; the perimeter is the ORM's own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchHeadline, SearchRank, SearchVector
from django.contrib.postgres.search import SearchQuery as PgQuery
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import CombinedExpression

from courrier.models import Keyword, Mail, Note, User
from courrier.selectors import user_entity_ids, visible_mails
from indexing.documents import MailDocument
from indexing.models import MailSearchEntry
from indexing.query import Hit, SearchQuery, SearchResults

CONFIG = "bannette_fr"
_OPEN, _CLOSE = "\x02", "\x03"  # headline markers, replaced after escaping the text


def _vector(doc: MailDocument) -> CombinedExpression:
    def part(text: str, weight: str) -> SearchVector:
        return SearchVector(Value(text), config=CONFIG, weight=weight)

    rest = " ".join([doc.text, doc.notes, doc.custom, " ".join(doc.keywords)])
    return part(f"{doc.chrono} {doc.subject}", "A") + part(doc.contacts, "B") + part(rest, "C")


def write(documents: Iterable[MailDocument], removed: Iterable[int] = ()) -> int:
    MailSearchEntry.objects.filter(mail_id__in=list(removed)).delete()
    written = 0
    for doc in documents:
        MailSearchEntry.objects.update_or_create(mail_id=doc.id, defaults={"vector": _vector(doc)})
        written += 1
    return written


def clear() -> None:
    MailSearchEntry.objects.all().delete()


def _french_operators(text: str) -> str:
    text = re.sub(r"\s+OU\s+", " or ", text)
    text = re.sub(r"\s+ET\s+", " ", text)
    return re.sub(r"(^|\s+)SAUF\s+", r"\1-", text)


def _weighted(words: str, weight: str) -> PgQuery:
    terms = [w for w in re.findall(r"[\w@.-]+", words) if w.strip(".-")]
    return PgQuery(
        " & ".join(f"'{t}':{weight}" for t in terms) or "''", search_type="raw", config=CONFIG
    )


def _readable_notes(user: User, text_query: PgQuery) -> QuerySet[Note]:
    """Restricted notes of the mail that this user may read (their entities', their own)."""
    readable = Q(restricted_to__in=user_entity_ids(user)) | Q(author=user)
    return (
        Note.objects.filter(mail=OuterRef("pk"), restricted_to__isnull=False)
        .filter(readable)
        .annotate(vector=SearchVector("text", config=CONFIG))
        .filter(vector=text_query)
    )


def _filtered(user: User, query: SearchQuery) -> tuple[QuerySet[Mail], PgQuery | None]:
    mails = visible_mails(user)
    text_query = None
    if query.text.strip():
        text_query = PgQuery(_french_operators(query.text), search_type="websearch", config=CONFIG)
        mails = mails.filter(
            Q(search_entry__vector=text_query) | Q(Exists(_readable_notes(user, text_query)))
        )
    if query.sender.strip():
        mails = mails.filter(search_entry__vector=_weighted(query.sender, "B"))
    if query.chrono.strip():
        chrono = query.chrono.strip()
        mails = mails.filter(Q(chrono_number__iexact=chrono) | Q(chrono_number__istartswith=chrono))
    simple = {"document_type": "document_type__code", "entity": "destination_entity__code",
              "status": "status", "category": "category", "channel": "channel"}  # fmt: skip
    mails = mails.filter(
        **{lookup: getattr(query, name) for name, lookup in simple.items() if getattr(query, name)}
    )
    for keyword in query.keywords:
        tagged = Keyword.objects.filter(mail=OuterRef("pk"), label__iexact=keyword)
        mails = mails.filter(Exists(tagged))
    for name, field in (
        ("arrival", "arrival_date"),
        ("due", "due_date"),
        ("closing", "closing_date__date"),
    ):
        if getattr(query, f"{name}_from"):
            mails = mails.filter(**{f"{field}__gte": getattr(query, f"{name}_from")})
        if getattr(query, f"{name}_to"):
            mails = mails.filter(**{f"{field}__lte": getattr(query, f"{name}_to")})
    return mails, text_query


def _snippet(headline: str, text: str) -> str:
    if _OPEN not in headline:
        return html.escape(text[:200])
    return html.escape(headline).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def search(user: User, query: SearchQuery, *, page: int = 1, page_size: int = 25) -> SearchResults:
    mails, text_query = _filtered(user, query)
    total = mails.count()
    if text_query is not None:
        mails = mails.annotate(
            rank=SearchRank(F("search_entry__vector"), text_query),
            headline=SearchHeadline("text", text_query, config=CONFIG, start_sel=_OPEN,
                                    stop_sel=_CLOSE, max_fragments=2, fragment_delimiter=" … "),
        )  # fmt: skip
    order = {"-arrival": ["-arrival_date", "-pk"], "arrival": ["arrival_date", "pk"]}.get(
        query.sort
    )
    if order is None:
        order = ["-rank", "-pk"] if text_query is not None else ["-arrival_date", "-pk"]
    start = (page - 1) * page_size
    rows = mails.order_by(*order)[start : start + page_size]
    hits = []
    for mail in rows:
        headline = getattr(mail, "headline", "") or ""
        hits.append(
            Hit(mail.pk, float(getattr(mail, "rank", 0.0) or 0.0), _snippet(headline, mail.text))
        )
    return SearchResults(hits, total)
