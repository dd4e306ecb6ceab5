"""What scanner_hotfolders adds to the mail core: the administrators' rights over its hotfolders."""

from __future__ import annotations

from courrier.extensions import register_role_permissions
from courrier.models import Role


def register() -> None:
    register_role_permissions(
        Role.ADMINISTRATOR,
        [f"scanner_hotfolders.{verb}_hotfolder" for verb in ("view", "add", "change")],
    )
