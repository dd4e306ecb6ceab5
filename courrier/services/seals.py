"""Journal seals: make the journal tamper-evident even against whoever controls the database.

A seal is a Merkle root over the hashes of the events since the previous seal, chained to that
seal and timestamped by an RFC 3161 authority (BANNETTE_TSA_URL). Each seal is written to the
database and, as a JSON file that is never overwritten, to BANNETTE_SEAL_DIR (storage the
database administrator does not control). Rewriting a sealed event, even with every later hash
and the head recomputed, no longer matches its seal; deleting the journal and the seals leaves
the copies, which name what was removed.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import cms, tsp
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign import timestamps
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from courrier.models import JournalHead, JournalLink, JournalSeal, Role, User
from courrier.services.chaining import chain_journal
from courrier.trust import trust_roots

logger = logging.getLogger(__name__)
GENESIS = "0" * 64


class SealFailed(Exception):
    """The timestamp authority did not answer; nothing was sealed (the next run tries again)."""


def merkle_root(hashes: Sequence[str]) -> str:
    """SHA-256 Merkle tree over the event hashes (leaves and nodes prefixed, RFC 6962 style)."""
    level = [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in hashes]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0].hex()


def sealed_fields(seal: JournalSeal) -> dict[str, Any]:
    """What a seal vouches for: its hash covers exactly these."""
    return {
        "number": seal.number,
        "first_seq": seal.first_seq,
        "last_seq": seal.last_seq,
        "events": seal.events,
        "merkle_root": seal.merkle_root,
        "previous": seal.previous,
        "sealed_at": seal.sealed_at.astimezone(datetime.UTC).isoformat(),
    }


def seal_hash(seal: JournalSeal) -> str:
    text = json.dumps(sealed_fields(seal), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def chained_hashes(first: int, last: int) -> list[str]:
    """The content hashes of the events at positions first..last of the chain, in its order:
    the seal's leaves (a link whose event was deleted gives none, so the count falls short)."""
    links = JournalLink.objects.filter(position__gte=first, position__lte=last)
    return list(links.order_by("position").values_list("event__hash", flat=True))


def timestamp_digest(digest: str) -> bytes:
    """A TimeStampToken (DER) over a SHA-256 digest given in hex — a seal's hash, an export's
    manifest — or nothing when no authority is configured; SealFailed when it does not answer."""
    if not settings.BANNETTE_TSA_URL:
        return b""
    stamper = timestamps.HTTPTimeStamper(
        settings.BANNETTE_TSA_URL, timeout=settings.BANNETTE_TSA_TIMEOUT
    )
    try:
        token = asyncio.run(stamper.async_timestamp(bytes.fromhex(digest), "sha256"))
    except Exception as exc:  # network, HTTP or protocol: pyHanko raises many kinds
        raise SealFailed(f"the timestamp authority did not answer: {exc}") from exc
    return bytes(token.dump())


def seal_journal() -> JournalSeal | None:
    """Seal the events linked since the last seal; None when there is nothing new to seal."""
    chain_journal()  # the events committed a moment ago, too
    last = JournalSeal.objects.order_by("-number").first()
    head = JournalHead.objects.filter(pk=1).first()
    first_seq = last.last_seq + 1 if last else 1
    last_seq = head.seq if head else 0  # links up to the head are committed and immutable
    if last_seq < first_seq:
        return None
    hashes = chained_hashes(first_seq, last_seq)
    seal = JournalSeal(
        number=(last.number + 1) if last else 1,
        first_seq=first_seq,
        last_seq=last_seq,
        events=len(hashes),
        merkle_root=merkle_root(hashes),
        previous=last.hash if last else GENESIS,
        sealed_at=timezone.now(),
    )
    seal.hash = seal_hash(seal)
    seal.timestamp_token = timestamp_digest(seal.hash)  # slow network call: no lock held
    try:
        with transaction.atomic():
            seal.save(force_insert=True)  # a concurrent sealer took this number: let it win
            transaction.on_commit(lambda: write_copies())
            if settings.BANNETTE_SEAL_EMAIL_ARCHIVISTS:
                transaction.on_commit(lambda: email_archivists(seal))
    except IntegrityError:
        logger.info("seal #%s was made by another process", seal.number)
        return None
    return seal


def seal_dir() -> Path:
    return Path(settings.BANNETTE_SEAL_DIR)


def _copy_path(number: int) -> Path:
    return seal_dir() / f"seal-{number:08d}.json"


def seal_record(seal: JournalSeal) -> dict[str, Any]:
    """A seal as it leaves Bannette — its copy, the archivists' e-mail, an export's seals.json,
    a mail's evidence: what it vouches for, its hash and its token in base64."""
    return {
        **sealed_fields(seal),
        "hash": seal.hash,
        "timestamp_token": base64.b64encode(bytes(seal.timestamp_token)).decode(),
    }


def write_copies() -> int:
    """Write the copy of every seal that has none yet (a copy is never overwritten)."""
    folder = seal_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for seal in JournalSeal.objects.order_by("number"):
        path = _copy_path(seal.number)
        if path.exists():
            continue
        with path.open("x", encoding="utf-8") as handle:  # "x": never replace a copy
            json.dump(seal_record(seal), handle, indent=1)
        written += 1
    return written


def email_archivists(seal: JournalSeal) -> int:
    """Send the seal's copy to every active archivist with an address; how many were sent to.
    A failure to send is logged: the seal itself is made and copied already."""
    recipients = sorted(
        User.objects.filter(groups__name=Role.ARCHIVIST, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return 0
    names = {"n": seal.number, "first": seal.first_seq, "last": seal.last_seq}
    message = EmailMessage(
        subject=_("[Bannette] Journal seal no. %(n)s") % names,
        body=_(
            "Seal no. %(n)s covers the probative journal's events no. %(first)s to %(last)s.\n"
            "Merkle root: %(root)s\nSeal hash: %(hash)s\nSealed at: %(at)s\n\n"
            "Keep this message: its attachment lets anyone check later that those events were"
            " not rewritten (manage.py verify_journal compares the journal with the seals)."
        )
        % {**names, "root": seal.merkle_root, "hash": seal.hash, "at": seal.sealed_at.isoformat()},
        to=recipients,
    )
    message.attach(
        _copy_path(seal.number).name,
        json.dumps(seal_record(seal), indent=1).encode(),
        "application/json",
    )
    try:
        message.send()
    except OSError:
        logger.exception("seal #%s could not be e-mailed to the archivists", seal.number)
        return 0
    return len(recipients)


@dataclass
class SealReport:
    seals: int
    problems: list[str]


def seal_token_problem(seal: JournalSeal) -> str | None:
    token = bytes(seal.timestamp_token)
    if not token:
        return None
    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        info = signed_data["encap_content_info"]["content"].parsed
    except (ValueError, TypeError, KeyError) as exc:
        logger.warning("seal #%s: unreadable timestamp token (%s)", seal.number, exc)
        return _("seal #%(n)s: its timestamp token is unreadable") % {"n": seal.number}
    if not isinstance(info, tsp.TSTInfo):
        return _("seal #%(n)s: its timestamp token holds no timestamp") % {"n": seal.number}
    if info["message_imprint"]["hashed_message"].native != bytes.fromhex(seal.hash):
        return _("seal #%(n)s: its timestamp was given for other contents") % {"n": seal.number}
    roots = trust_roots()
    status = asyncio.run(
        validate_tst_signed_data(
            signed_data,
            ValidationContext(trust_roots=roots),
            expected_tst_imprint=lambda _alg: bytes.fromhex(seal.hash),
        )
    )
    if not status["intact"] or not status["valid"]:
        return _("seal #%(n)s: its timestamp's signature does not verify") % {"n": seal.number}
    if roots and status["trust_problem_indic"] is not None:
        return _("seal #%(n)s: its timestamp authority is not among the trusted ones") % {
            "n": seal.number
        }
    return None


def _seal_problems(seal: JournalSeal, previous: str, expected_first: int) -> list[str]:
    problems = []
    names = {"n": seal.number, "first": seal.first_seq, "last": seal.last_seq}
    if seal_hash(seal) != seal.hash:
        problems.append(_("seal #%(n)s: its contents were altered") % names)
    if seal.previous != previous or seal.first_seq != expected_first:
        problems.append(_("seal #%(n)s: the chain to the previous seal is broken") % names)
    hashes = chained_hashes(seal.first_seq, seal.last_seq)
    if len(hashes) != seal.events:
        problems.append(
            _(
                "events #%(first)s..#%(last)s: %(sealed)s were sealed by seal #%(n)s,"
                " %(left)s are left (events deleted or inserted after sealing)"
            )
            % {**names, "sealed": seal.events, "left": len(hashes)}
        )
    elif merkle_root(hashes) != seal.merkle_root:
        problems.append(
            _("events #%(first)s..#%(last)s no longer match seal #%(n)s (rewritten after sealing)")
            % names
        )
    token_problem = seal_token_problem(seal)
    if token_problem:
        problems.append(token_problem)
    return problems


def _copy_problems(seals: list[JournalSeal]) -> list[str]:
    problems = []
    in_database = {seal.number: seal for seal in seals}
    copies = sorted(seal_dir().glob("seal-*.json")) if seal_dir().is_dir() else []
    for path in copies:
        copy = json.loads(path.read_text(encoding="utf-8"))
        seal = in_database.pop(copy["number"], None)
        if seal is None:
            problems.append(
                _(
                    "seal #%(n)s (events #%(first)s..#%(last)s) is in %(folder)s but not in"
                    " the database (seals or events deleted)"
                )
                % {
                    "n": copy["number"],
                    "first": copy["first_seq"],
                    "last": copy["last_seq"],
                    "folder": path.parent,
                }
            )
        elif copy["hash"] != seal.hash:
            problems.append(
                _("seal #%(n)s differs from its copy %(file)s")
                % {"n": seal.number, "file": path.name}
            )
    for number in sorted(in_database):
        problems.append(
            _("seal #%(n)s has no copy outside the database (%(folder)s)")
            % {"n": number, "folder": seal_dir()}
        )
    return problems


def verify_seals() -> SealReport:
    """Check the seals' chain, each sealed range of events, the timestamps and the copies."""
    seals = list(JournalSeal.objects.order_by("number"))
    problems: list[str] = []
    previous, expected_first = GENESIS, 1
    for seal in seals:
        problems += _seal_problems(seal, previous, expected_first)
        previous, expected_first = seal.hash, seal.last_seq + 1
    problems += _copy_problems(seals)
    return SealReport(seals=len(seals), problems=problems)
