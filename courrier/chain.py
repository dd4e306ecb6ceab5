"""The chain's hash of a link: kept apart, free of models, for the migration that linked the
events written before the chain had its own table (courrier 0022)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


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
