"""What a file is, as archives name it: its PRONOM format identifier (PUID, e.g. fmt/276 for a
PDF 1.7), the format's name and version, and its MIME type, found by siegfried (through
pygfried, which carries PRONOM's signature files) from the file's bytes — not from its
extension alone."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pygfried

UNKNOWN_MIME = "application/octet-stream"


@dataclass(frozen=True)
class FileFormat:
    puid: str  # "" when PRONOM knows no signature for these bytes
    name: str
    version: str
    mime: str

    @property
    def literal(self) -> str:
        return f"{self.name} {self.version}".strip() if self.name else ""


def identify(data: bytes, filename: str) -> FileFormat:
    """The format of these bytes (the file name's extension only breaks ties)."""
    with tempfile.TemporaryDirectory(prefix="bannette-format-") as scratch:
        path = Path(scratch) / (Path(filename).name.replace("/", "_") or "fichier")
        path.write_bytes(data)
        report = pygfried.identify(str(path), detailed=True)
    matches = [
        match
        for found in report.get("files", [])
        for match in found.get("matches", [])
        if match.get("ns") == "pronom"
    ]
    if not matches or matches[0].get("id") in ("", "UNKNOWN"):
        return FileFormat("", "", "", UNKNOWN_MIME)
    match = matches[0]
    return FileFormat(
        puid=str(match["id"]),
        name=str(match.get("format") or ""),
        version=str(match.get("version") or ""),
        mime=str(match.get("mime") or UNKNOWN_MIME).split(",")[0].strip() or UNKNOWN_MIME,
    )
