"""Full-text search in PostgreSQL, for deployments with several web and worker nodes.

The weighted tsvector (A: chrono and subject, B: contacts, C: text, notes, fields, keywords) is
written in the same transaction as the change it reflects; the perimeter is the ORM's own.

At a million mails a common word matches most of them, and ranking or counting every match
costs seconds. So the matching ids are read once, up to BANNETTE_SEARCH_COUNT_LIMIT + 1: that
is the count ("more than ..." past the limit) and, below it, every candidate, ranked or sorted
among themselves. Past the limit, relevance ranks the BANNETTE_SEARCH_RANK_WINDOW most recent
matches (walking mail by date, which stops early for a common word). Snippets are computed for
the page's mails only.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchRank, SearchVector
from django.contrib.postgres.search import SearchQuery as PgQuery
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Upper

from courrier.models import Keyword, Mail, Note, User
from courrier.selectors import perimeter_candidate_parts, user_entity_ids, visible_mails
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


def _readable_notes(user: User, text_query: PgQuery) -> list[int]:
    """Mails whose restricted notes this user may read (their entities', their own) match."""
    readable = Q(restricted_to__in=user_entity_ids(user)) | Q(author=user)
    notes = (
        Note.objects.filter(readable, restricted_to__isnull=False)
        .annotate(vector=SearchVector("text", config=CONFIG))
        .filter(vector=text_query)
    )
    return sorted(set(notes.values_list("mail_id", flat=True)))


def _narrow_perimeter(user: User, up_to: int) -> list[int] | None:
    """The ids of a superset of the user's visible mail when PostgreSQL estimates them at no
    more than `up_to` (the planner's estimate: a wide perimeter costs a millisecond to turn
    down)."""
    parts = perimeter_candidate_parts(user)
    if parts is None:
        return None
    if not parts:
        return []
    candidates = parts[0].union(*parts[1:], all=True)
    estimated = int(json.loads(candidates.explain(format="json"))[0]["Plan"]["Plan Rows"])
    return sorted(set(candidates)) if estimated <= up_to else None


def _filtered(user: User, query: SearchQuery) -> tuple[QuerySet[Mail], PgQuery | None, bool]:
    """The visible mail matching the query, its text query, and whether the perimeter was
    narrow enough to be read first."""
    text_query = None
    candidates = None
    if query.text.strip() or query.sender.strip():
        # A narrow perimeter (an office's agent) is read first, from indexes: its few thousand
        # mails' words are checked, instead of walking the matches of a common word or phrase
        # over the whole organisation for the rare visible ones.
        candidates = _narrow_perimeter(user, settings.BANNETTE_SEARCH_PERIMETER_FIRST_UP_TO)
    mails = visible_mails(user)
    if candidates is not None:
        mails = mails.filter(pk__in=candidates)
    if query.text.strip():
        text_query = PgQuery(_french_operators(query.text), search_type="websearch", config=CONFIG)
        in_notes = _readable_notes(user, text_query)
        # The OR only when needed: it keeps PostgreSQL from using the GIN index alone.
        matches = Q(search_entry__vector=text_query)
        mails = mails.filter(matches | Q(pk__in=in_notes) if in_notes else matches)
    if query.sender.strip():
        mails = mails.filter(search_entry__vector=_weighted(query.sender, "B"))
    if query.chrono.strip():
        # The number or its beginning, any case (index courrier_mail_chrono_upper_prefix).
        mails = mails.alias(chrono_upper=Upper("chrono_number")).filter(
            chrono_upper__startswith=query.chrono.strip().upper()
        )
    simple = {
        "document_type": "document_type__code",
        "entity": "destination_entity__code",
        "status": "status",
        "category": "category",
        "channel": "channel",
    }
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
    return mails, text_query, candidates is not None


def _snippet(headline: str, text: str) -> str:
    if _OPEN not in headline:
        return html.escape(text[:200])
    return html.escape(headline).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def search(user: User, query: SearchQuery, *, page: int = 1, page_size: int = 25) -> SearchResults:
    with transaction.atomic(), connection.cursor() as cursor:
        # Enough memory to hash the perimeter's sub-queries once: a director's copies at a
        # million mails are 300,000 lines, which PostgreSQL otherwise scans again for every
        # candidate (over 30 s instead of 0.4 s at the default 4 MB).
        cursor.execute(
            "SELECT set_config('work_mem', %s, true)", [settings.BANNETTE_SEARCH_WORK_MEM]
        )
        return _search(user, query, page=page, page_size=page_size)


def _search(user: User, query: SearchQuery, *, page: int, page_size: int) -> SearchResults:
    mails, text_query, narrow = _filtered(user, query)
    limit = settings.BANNETTE_SEARCH_COUNT_LIMIT
    start = (page - 1) * page_size
    window = max(settings.BANNETTE_SEARCH_RANK_WINDOW, start + page_size)
    by_date = {"-arrival": ["-arrival_date", "-pk"], "arrival": ["arrival_date", "pk"]}
    order = by_date.get(query.sort) or (by_date["-arrival"] if text_query is None else None)
    # One capped read of the matching ids gives the count and, when there are no more than
    # `limit`, every candidate: rare words and phrases are ranked or sorted among those ids
    # only. Over a wide perimeter the read walks the matches newest first, so that the same
    # read is also the relevance window and the newest pages of a common word.
    newest_first = (
        text_query is not None
        and not narrow
        and order in (None, by_date["-arrival"])
        and window <= limit + 1
    )
    matching = list(
        (mails.order_by(*by_date["-arrival"]) if newest_first else mails.order_by()).values_list(
            "pk", flat=True
        )[: limit + 1]
    )
    exact = len(matching) <= limit
    count = min(len(matching), limit)
    if newest_first and order is not None and start + page_size <= len(matching):
        return SearchResults(_hits(matching[start : start + page_size], text_query), count, exact)
    pool: QuerySet[Mail] = Mail.objects.filter(pk__in=matching) if exact else mails
    if order is None:  # relevance
        assert text_query is not None
        if not exact:  # a common word: relevance among its most recent matches
            recent = (
                matching[:window]
                if newest_first  # read newest first already
                else list(
                    mails.order_by(*by_date["-arrival"]).values_list("pk", flat=True)[:window]
                )
            )
            pool = Mail.objects.filter(pk__in=recent)
        pool = pool.annotate(rank=SearchRank(F("search_entry__vector"), text_query))
        order = ["-rank", "-pk"]
    shown = list(pool.order_by(*order).values_list("pk", flat=True)[start : start + page_size])
    return SearchResults(_hits(shown, text_query), count, exact=exact)


def _hits(ids: list[int], text_query: PgQuery | None) -> list[Hit]:
    """The page's rank and marked snippet, computed for the shown mails only."""
    rows = Mail.objects.filter(pk__in=ids)
    if text_query is not None:
        rows = rows.annotate(
            rank=SearchRank(F("search_entry__vector"), text_query),
            headline=SearchHeadline(
                "text",
                text_query,
                config=CONFIG,
                start_sel=_OPEN,
                stop_sel=_CLOSE,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
    found = {mail.pk: mail for mail in rows.only("pk", "text")}
    return [
        Hit(
            pk,
            float(getattr(found[pk], "rank", 0.0) or 0.0),
            _snippet(getattr(found[pk], "headline", "") or "", found[pk].text),
        )
        for pk in ids
        if pk in found
    ]


def check() -> None:
    """The search table can be read."""
    MailSearchEntry.objects.exists()
