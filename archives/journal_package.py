"""The probative journal's export package: the events of a period as JSON lines, the seals that
cover them with their RFC 3161 tokens, the authority's certificates, a README in French and the
standalone verifier (archives/verifier/verify.py), in one ZIP an archivist can check on her own.

Events are exported in the chain's order, each with its link (position, previous link's hash,
link hash); numbers "first" and "last" below are positions in the chain. The period widens to
whole seals: a seal's Merkle root can only be recomputed over all the events it covers, so the
package starts at the first link of the seal holding the period's first event and ends at the
last link of the seal holding its last one (events not sealed yet are exported too, and the
verifier says so). The journal is sealed first, so the unsealed tail is what was written during
the export: the package stops at that seal, and every event in it is sealed.

The manifest names the period (as dates and as instants), the journal's last seal at that moment
and every file's digest; it is itself timestamped by the authority (manifest.tsr), so a package
cut short, or a file changed, cannot be passed off as what was exported. The verifier takes the
authority's certificates from the archivist (--trust), never from the package.

The package shows what the person exporting may see: an event about a mail outside their
perimeter is reduced to what the chain needs (its number, content hash and link), marked
"withheld"; its place in the chain and in its seal is verified all the same.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import cms, pem
from django.conf import settings
from django.db.models import Max, Min
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.models import JournalLink, JournalPersonal, JournalSeal, User
from courrier.selectors import visible_mail_ids
from courrier.services.seals import (
    GENESIS,
    SealFailed,
    seal_journal,
    seal_record,
    timestamp_digest,
)
from courrier.trust import trust_roots

VERIFIER = Path(__file__).resolve().parent / "verifier" / "verify.py"
FOLDER = "journal"
BATCH = 5000
STAMP = "manifest.tsr"


class PackageUnprovable(Exception):
    """The timestamp authority did not answer: no package is made that it cannot vouch for."""


def sealed_now() -> JournalSeal | None:
    """Seal what is written up to now; the journal's last seal. With an authority configured
    that does not answer, PackageUnprovable (the person exporting sees why and tries again)."""
    try:
        seal_journal()  # links the events committed a moment ago, then seals them
    except SealFailed as exc:
        raise PackageUnprovable(
            _(
                "The timestamp authority did not answer: the package could not be sealed and"
                " timestamped. Try again in a few minutes; if it lasts, the administrator checks"
                " BANNETTE_TSA_URL."
            )
        ) from exc
    return JournalSeal.objects.order_by("-number").first()


def seal_summary(seal: JournalSeal | None) -> dict[str, Any] | None:
    """What a package says of the journal's last seal when it was made."""
    if seal is None:
        return None
    return {
        "number": seal.number,
        "hash": seal.hash,
        "first_seq": seal.first_seq,
        "last_seq": seal.last_seq,
        "sealed_at": seal.sealed_at.astimezone(datetime.UTC).isoformat(),
    }


def stamped_manifest(manifest: dict[str, Any]) -> tuple[bytes, bytes]:
    """The manifest's bytes and the authority's token over their SHA-256 (empty without an
    authority)."""
    data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
    try:
        token = timestamp_digest(hashlib.sha256(data).hexdigest())
    except SealFailed as exc:
        raise PackageUnprovable(
            _("The timestamp authority did not answer: the package could not be timestamped.")
        ) from exc
    return data, token


@dataclass(frozen=True)
class PackageSummary:
    first_seq: int | None
    last_seq: int | None
    events: int
    seals: int
    size: int


def local_bounds(
    since: datetime.date | None, until: datetime.date | None
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone) if since else None
    end = (
        datetime.datetime.combine(
            until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        if until
        else None
    )
    return start, end


def sequence_range(
    since: datetime.date | None, until: datetime.date | None
) -> tuple[int, int] | None:
    """The first and last positions in the chain of the period's events, widened to whole
    seals."""
    start, end = local_bounds(since, until)
    links = JournalLink.objects.all()
    if start:
        links = links.filter(event__timestamp__gte=start)
    if end:
        links = links.filter(event__timestamp__lt=end)
    found = links.aggregate(first=Min("position"), last=Max("position"))
    if found["first"] is None:
        return None
    first, last = int(found["first"]), int(found["last"])
    opening = JournalSeal.objects.filter(first_seq__lte=first, last_seq__gte=first).first()
    closing = JournalSeal.objects.filter(first_seq__lte=last, last_seq__gte=last).first()
    return (
        opening.first_seq if opening else first,
        closing.last_seq if closing else last,
    )


EVENT_VALUES = (
    "seq",
    "timestamp",
    "actor_id",
    "actor_name",
    "on_behalf_of_id",
    "on_behalf_of_name",
    "action",
    "object_type",
    "object_id",
    "mail_id",
    "details",
    "prev_hash",
    "hash",
)


def chained_records(first: int, last: int, reader: User | None = None) -> Iterator[dict[str, Any]]:
    """The events at positions first..last of the chain, in its order, each with its link;
    with a reader, those about a mail the reader may not open are withheld."""
    start = first
    while start <= last:
        rows = list(
            JournalLink.objects.filter(
                position__gte=start, position__lte=min(last, start + BATCH - 1)
            )
            .order_by("position")
            .values("position", "prev_hash", "hash", *(f"event__{name}" for name in EVENT_VALUES))
        )
        hidden = _hidden_mails(reader, {row["event__mail_id"] for row in rows})
        personal = personal_parts([row["event__seq"] for row in rows])
        for row in rows:
            values = {name: row[f"event__{name}"] for name in EVENT_VALUES}
            link = (row["position"], row["prev_hash"], row["hash"])
            if values["mail_id"] in hidden:
                yield withheld_record(values, link)
            else:
                yield event_record(values, link, personal.get(values["seq"]))
        start += BATCH


def personal_parts(seqs: list[int]) -> dict[int, dict[str, Any]]:
    """The personal part of these events that is still held (erased ones have none)."""
    return {
        row.event_seq: {"salt": row.salt, "data": row.data}
        for row in JournalPersonal.objects.filter(event_seq__in=seqs)
    }


def _hidden_mails(reader: User | None, mail_ids: set[int | None]) -> set[int]:
    if reader is None:
        return set()
    wanted = {pk for pk in mail_ids if pk is not None}
    return wanted - visible_mail_ids(reader, wanted)


def withheld_record(values: Mapping[str, Any], link: tuple[int, str, str]) -> dict[str, Any]:
    """An event about a mail the reader may not open: only what the chain needs."""
    return {
        "position": link[0],
        "link_prev": link[1],
        "link": link[2],
        "seq": values["seq"],
        "hash": values["hash"],
        "withheld": True,
    }


def event_record(
    values: Mapping[str, Any],
    link: tuple[int, str, str] | None = None,
    personal: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event as its hash was computed (courrier.services.journal.event_hash), with it and,
    once it is linked, its place in the chain (courrier.chain.link_hash); and its personal
    part while it is held (its salted digest is in the details)."""
    chained = {"position": link[0], "link_prev": link[1], "link": link[2]} if link else {}
    return {
        **chained,
        **({"personal": personal} if personal else {}),
        "seq": values["seq"],
        "timestamp": values["timestamp"].astimezone(datetime.UTC).isoformat(),
        "actor": values["actor_id"],
        "actor_name": values["actor_name"],
        "on_behalf_of": values["on_behalf_of_id"],
        "on_behalf_of_name": values["on_behalf_of_name"],
        "action": values["action"],
        "object_type": values["object_type"],
        "object_id": values["object_id"],
        "mail": values["mail_id"],
        "details": values["details"],
        "prev_hash": values["prev_hash"],
        "hash": values["hash"],
    }


def token_certificates(seals: list[JournalSeal]) -> list[bytes]:
    """The certificates the authority put in its tokens (its own, often its chain)."""
    found: dict[bytes, None] = {}
    for seal in seals:
        token = bytes(seal.timestamp_token)
        if not token:
            continue
        signed = cms.ContentInfo.load(token)["content"]
        for choice in signed["certificates"] or []:
            found[choice.chosen.dump()] = None
    return list(found)


def pem_bundle(certificates: list[bytes]) -> str:
    return "".join(pem.armor("CERTIFICATE", der).decode("ascii") for der in certificates)


def write_package(
    output: Path,
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    exported_by: User | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PackageSummary:
    """Write the ZIP to `output` (streamed: memory stays flat over millions of events)."""
    latest = sealed_now()
    span = sequence_range(since, until)
    first, last = span if span else (1, 0)
    last = min(last, latest.last_seq if latest else 0)  # written since: in the next seal
    seals = list(
        JournalSeal.objects.filter(last_seq__gte=first, first_seq__lte=last).order_by("number")
    )
    previous = (
        JournalSeal.objects.filter(number=seals[0].number - 1)
        .values_list("hash", flat=True)
        .first()
        if seals
        else None
    )
    total = max(0, last - first + 1)
    digests: dict[str, str] = {}
    count = withheld = 0
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as bundle:

        def add(name: str, data: bytes) -> None:
            digests[name] = hashlib.sha256(data).hexdigest()
            bundle.writestr(f"{FOLDER}/{name}", data)

        digest = hashlib.sha256()
        with bundle.open(f"{FOLDER}/events.jsonl", "w", force_zip64=True) as handle:
            for record in chained_records(first, last, exported_by):
                line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()
                digest.update(line)
                handle.write(line)
                count += 1
                withheld += "withheld" in record
                if progress and (count % BATCH == 0 or count == total):
                    progress(count, total)
        digests["events.jsonl"] = digest.hexdigest()
        seal_records = [seal_record(seal) for seal in seals]
        add("seals.json", json.dumps(seal_records, indent=1).encode())
        add(
            "autorite/racines.pem",
            pem_bundle([root.dump() for root in trust_roots()]).encode("ascii"),
        )
        add("autorite/certificats.pem", pem_bundle(token_certificates(seals)).encode("ascii"))
        context = {
            "organisation": settings.BANNETTE_ORGANISATION_NAME,
            "since": since,
            "until": until,
            "first": first if count else None,
            "last": last if count else None,
            "events": count,
            "withheld": withheld,
            "seals": len(seals),
            "exported_at": timezone.localtime(),
            "exported_by": exported_by,
            "authority": bool(settings.BANNETTE_TSA_URL),
            "latest": latest,
        }
        add("LISEZMOI.txt", render_to_string("archives/journal_readme.txt", context).encode())
        add("verify.py", VERIFIER.read_bytes())
        start, end = local_bounds(since, until)
        manifest = {
            "format": "bannette-journal-export/3",
            "organisation": settings.BANNETTE_ORGANISATION_NAME,
            "exported_at": timezone.now().isoformat(),
            "exported_by": exported_by.get_username() if exported_by else "system",
            "period": {
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
            },
            "first_seq": first if count else None,
            "last_seq": last if count else None,
            "events": count,
            "withheld": withheld,
            "seals": [seal.number for seal in seals],
            "previous_seal_hash": previous or GENESIS,
            "journal_last_seal": seal_summary(latest),
            "timestamp_authority": bool(settings.BANNETTE_TSA_URL),
            "files": digests,
        }
        data, token = stamped_manifest(manifest)
        bundle.writestr(f"{FOLDER}/manifest.json", data)
        if token:
            bundle.writestr(f"{FOLDER}/{STAMP}", token)
    return PackageSummary(
        first_seq=first if count else None,
        last_seq=last if count else None,
        events=count,
        seals=len(seals),
        size=output.stat().st_size,
    )
