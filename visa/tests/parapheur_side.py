"""The parapheur's side of the drop-folder protocol, played by the tests."""

from __future__ import annotations

import json
import os
from pathlib import Path


def parapheur_returns(inbox: Path, name: str, result: dict, files: dict[str, bytes]) -> None:
    """Write the return under a hidden name, then rename it into place, as the protocol asks."""
    building = inbox / f".{name}"
    building.mkdir(parents=True)
    for file_name, content in files.items():
        (building / file_name).write_bytes(content)
    (building / "result.json").write_text(json.dumps(result))
    os.replace(building, inbox / name)
