"""The journal's hashes: an event's content hash, its mark of origin and the chain's hash of a
link. Kept apart, free of models, for the migrations that work on historical rows (courrier
0022 linked the events written before the chain had its own table, 0023 marked them)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from typing import Any

GENESIS_HASH = "0" * 64


def event_hash(event: Any) -> str:
    """The hash of an event's content (archives/verifier/verify.py computes the same)."""
    payload = {
        "seq": event.seq,
        "timestamp": event.timestamp.astimezone(datetime.UTC).isoformat(),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "on_behalf_of": event.on_behalf_of_id,
        "on_behalf_of_name": event.on_behalf_of_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "mail": event.mail_id,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def personal_digest(salt: str, data: dict[str, Any]) -> str:
    """What an event's hashed details keep of its personal part: SHA-256 of the salt followed
    by the data in canonical JSON (keys sorted, no spaces, UTF-8)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(salt.encode() + text.encode()).hexdigest()


def event_mac(key: bytes, seq: int, content_hash: str) -> str:
    """The event's mark of origin: an HMAC, under the installation's journal key (kept outside
    the database), of its number and content hash. Whoever can write to the database but has
    not the key cannot make one, so an event inserted or rewritten there is refused and named."""
    message = f"{seq}:{content_hash}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def has_mark(key: bytes, event: Any) -> bool:
    """The event's mark was made with this key for its number and stored hash."""
    return hmac.compare_digest(str(event.mac), event_mac(key, event.seq, event.hash))


def marked_by(key: bytes, event: Any) -> bool:
    """The event's content matches its hash, and its mark was made with this key."""
    return event_hash(event) == event.hash and has_mark(key, event)


def link_hash(position: int, seq: int, content_hash: str, prev_hash: str) -> str:
    """The hash of one link of the chain: the event's place, number and content hash, and the
    previous link's hash (archives/verifier/verify.py computes the same)."""
    payload = {"position": position, "event": seq, "event_hash": content_hash, "prev": prev_hash}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def number_after(connection: Any, last_seq: int) -> None:
    """Make the next event's number follow `last_seq` (events written other than by
    record_event: the migration that linked the older events, the benchmarks' generator)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('courrier_journalpending', 'id'), %s)",
                [last_seq],
            )
        else:  # SQLite's AUTOINCREMENT remembers the highest id it has seen
            cursor.execute("INSERT INTO courrier_journalpending (id) VALUES (%s)", [last_seq])
            cursor.execute("DELETE FROM courrier_journalpending WHERE id = %s", [last_seq])
