"""Evidence for one mail: its journal events, each with the Merkle inclusion proof that leads
from its hash to the root of the seal covering it, the seals with their RFC 3161 tokens, and an
"attestation d'intégrité" (PDF) of what was verified; one mail's history is proved without
disclosing the other events (a proof holds only the hashes of sibling subtrees).

A proof is a list of steps from the leaf up: ("L", hash) when the sibling is on the left,
("R", hash) on the right; a node alone at the end of an odd level goes up unchanged, and has no
step. The leaf is SHA-256(0x00 || event hash), a node SHA-256(0x01 || left || right), as in
courrier.services.seals.merkle_root.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from archives.files import pdf_table
from archives.journal_package import (
    STAMP,
    VERIFIER,
    event_record,
    pem_bundle,
    personal_parts,
    seal_summary,
    sealed_now,
    stamped_manifest,
    token_certificates,
)
from courrier.chain import event_hash
from courrier.journal_text import readable_events
from courrier.models import JournalEvent, JournalLink, JournalSeal, Mail, User
from courrier.pdf_text import text_paragraph
from courrier.services.journal import record_event
from courrier.services.seals import (
    chained_hashes,
    merkle_root,
    seal_record,
    seal_token_problem,
)
from courrier.trust import trust_roots


def _leaf(hex_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(hex_hash)).digest()


def inclusion_proof(hashes: list[str], index: int) -> list[tuple[str, str]]:
    """The sibling hashes from the leaf at `index` up to the root of the tree over `hashes`."""
    level = [_leaf(h) for h in hashes]
    steps: list[tuple[str, str]] = []
    while len(level) > 1:
        if index % 2 == 1:
            steps.append(("L", level[index - 1].hex()))
        elif index + 1 < len(level):
            steps.append(("R", level[index + 1].hex()))
        paired = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        level = paired + ([level[-1]] if len(level) % 2 else [])
        index //= 2
    return steps


def root_from_proof(event_hash_hex: str, steps: list[tuple[str, str]]) -> str:
    node = _leaf(event_hash_hex)
    for side, sibling in steps:
        other = bytes.fromhex(sibling)
        node = hashlib.sha256(b"\x01" + (other + node if side == "L" else node + other)).digest()
    return node.hex()


@dataclass
class Evidence:
    mail: Mail
    events: list[dict[str, Any]] = field(default_factory=list)
    seals: dict[int, JournalSeal] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def unsealed(self) -> int:
        return sum(1 for event in self.events if event["seal"] is None)


def gather(mail: Mail) -> Evidence:
    """The mail's events with their proofs, checked here as the verifier will check them."""
    evidence = Evidence(mail=mail)
    events = list(JournalEvent.objects.filter(mail=mail).order_by("seq"))
    links = {
        link.event_id: link
        for link in JournalLink.objects.filter(event_id__in=[event.seq for event in events])
    }
    positions = [link.position for link in links.values()]
    seals = list(
        JournalSeal.objects.filter(
            last_seq__gte=min(positions, default=0), first_seq__lte=max(positions, default=0)
        ).order_by("number")
    )
    sealed_hashes: dict[int, list[str]] = {}
    personal = personal_parts([event.seq for event in events])
    for event in events:
        link = links.get(event.seq)  # None: committed a moment ago, linked on the next run
        record = event_record(
            _values(event),
            (link.position, link.prev_hash, link.hash) if link else None,
            personal.get(event.seq),
        )
        if event_hash(event) != event.hash:
            evidence.problems.append(
                _("event #%(seq)s no longer matches its hash") % {"seq": event.seq}
            )
        seal = next((s for s in seals if link and s.first_seq <= link.position <= s.last_seq), None)
        proof: list[tuple[str, str]] = []
        if seal is not None and link is not None:
            if seal.number not in sealed_hashes:
                sealed_hashes[seal.number] = chained_hashes(seal.first_seq, seal.last_seq)
            hashes = sealed_hashes[seal.number]
            proof = inclusion_proof(hashes, link.position - seal.first_seq)
            if root_from_proof(event.hash, proof) != seal.merkle_root:
                evidence.problems.append(
                    _("event #%(seq)s does not lead to the root of seal #%(n)s")
                    % {"seq": event.seq, "n": seal.number}
                )
            evidence.seals[seal.number] = seal
        evidence.events.append(
            {
                "event": record,
                "seal": seal.number if seal else None,
                "proof": [list(step) for step in proof],
                "_model": event,
            }
        )
    for seal in evidence.seals.values():
        if merkle_root(sealed_hashes[seal.number]) != seal.merkle_root:
            evidence.problems.append(
                _("seal #%(n)s no longer matches its events") % {"n": seal.number}
            )
        problem = seal_token_problem(seal)
        if problem:
            evidence.problems.append(problem)
    return evidence


def _values(event: JournalEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "timestamp": event.timestamp,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "on_behalf_of_id": event.on_behalf_of_id,
        "on_behalf_of_name": event.on_behalf_of_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "mail_id": event.mail_id,
        "details": event.details,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def evidence_json(evidence: Evidence, latest: JournalSeal | None = None) -> dict[str, Any]:
    return {
        "format": "bannette-mail-evidence/2",
        "organisation": settings.BANNETTE_ORGANISATION_NAME,
        "mail": {"id": evidence.mail.pk, "chrono_number": evidence.mail.chrono_number},
        "made_at": timezone.now().isoformat(),
        "journal_last_seal": seal_summary(latest),
        "timestamp_authority": bool(settings.BANNETTE_TSA_URL),
        "events": [
            {"event": item["event"], "seal": item["seal"], "proof": item["proof"]}
            for item in evidence.events
        ],
        "seals": [seal_record(seal) for seal in evidence.seals.values()],
    }


def attestation_pdf(evidence: Evidence, user: User, proof_digest: str = "") -> bytes:
    """The "attestation d'intégrité": what was verified, event by event, and the SHA-256 of
    the preuve.json it describes."""
    styles = getSampleStyleSheet()
    mail = evidence.mail
    title = _("Integrity certificate — mail %(chrono)s") % {"chrono": mail.chrono_number}
    holds = not evidence.problems
    story: list[Any] = [
        text_paragraph(title, styles["Title"]),
        text_paragraph(
            _("Made on %(day)s by %(user)s, %(organisation)s, with Bannette.")
            % {
                "day": date_format(timezone.localtime(), "DATETIME_FORMAT"),
                "user": user.get_full_name() or user.get_username(),
                "organisation": settings.BANNETTE_ORGANISATION_NAME,
            },
            styles["Normal"],
        ),
        Spacer(1, 5 * mm),
        text_paragraph(
            _(
                "For each event of this mail's history, the hash was recomputed from its "
                "contents, the Merkle inclusion proof was followed up to the root of the seal "
                "covering it, the seal's hash was recomputed and its RFC 3161 timestamp token "
                "was checked against the trusted authorities."
            ),
            styles["Normal"],
        ),
        Spacer(1, 3 * mm),
        text_paragraph(
            _("Result: everything holds.")
            if holds
            else _("Result: %(count)s problem(s) found.") % {"count": len(evidence.problems)},
            styles["Heading2"],
        ),
    ]
    for problem in evidence.problems:
        story.append(text_paragraph(f"• {problem}", styles["Normal"]))
    readable = readable_events([item["_model"] for item in evidence.events])
    rows: list[list[Any]] = [[_("No."), _("Time"), _("What happened"), _("Hash"), _("Seal")]]
    for item, text in zip(evidence.events, readable, strict=True):
        event = item["_model"]
        rows.append(
            [
                str(event.seq),
                date_format(timezone.localtime(event.timestamp), "SHORT_DATETIME_FORMAT"),
                text_paragraph(f"{text.actor} — {text.sentence}", styles["BodyText"]),
                event.hash[:16] + "…",
                str(item["seal"]) if item["seal"] else _("not yet sealed"),
            ]
        )
    story += [Spacer(1, 4 * mm), pdf_table(rows, [14 * mm, 30 * mm, 82 * mm, 34 * mm, 20 * mm])]
    if evidence.seals:
        rows = [[_("Seal"), _("Sealed at"), _("Events"), _("Merkle root")]]
        for seal in evidence.seals.values():
            rows.append(
                [
                    str(seal.number),
                    date_format(timezone.localtime(seal.sealed_at), "SHORT_DATETIME_FORMAT"),
                    _("%(first)s to %(last)s") % {"first": seal.first_seq, "last": seal.last_seq},
                    seal.merkle_root[:32] + "…",
                ]
            )
        story += [Spacer(1, 4 * mm), pdf_table(rows, [14 * mm, 34 * mm, 30 * mm, 102 * mm])]
    if evidence.unsealed:
        story.append(
            text_paragraph(
                _("%(count)s event(s) are not sealed yet: their hashes hold, no seal covers them.")
                % {"count": evidence.unsealed},
                styles["Normal"],
            )
        )
    story.append(Spacer(1, 4 * mm))
    story.append(
        text_paragraph(
            _(
                "The file preuve.json holds the events, their proofs and the seals; anyone can "
                "check them again with Bannette's verifier: python3 verify.py PACKAGE.zip "
                "--trust AUTHORITY.pem, with the timestamp authority's certificates as obtained "
                "from it."
            ),
            styles["Normal"],
        )
    )
    if proof_digest:
        story.append(
            text_paragraph(
                _("SHA-256 of the preuve.json this certificate describes: %(digest)s")
                % {"digest": proof_digest},
                styles["Normal"],
            )
        )
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author="Bannette", leftMargin=15 * mm, rightMargin=15 * mm
    ).build(story)
    return buffer.getvalue()


def evidence_package(mail: Mail, user: User) -> bytes:
    """The ZIP for one mail, journaled: preuve.json, the attestation (which carries the digest
    of preuve.json), the verifier, the authority's certificates as a convenience, and a
    manifest of every file's digest, timestamped by the authority when the package is made."""
    latest = sealed_now()  # the mail's events up to now are sealed before they are proved
    evidence = gather(mail)
    proof = json.dumps(evidence_json(evidence, latest), indent=1, ensure_ascii=False).encode()
    proof_digest = hashlib.sha256(proof).hexdigest()
    files = {
        "preuve.json": proof,
        "attestation-integrite.pdf": attestation_pdf(evidence, user, proof_digest),
        "verify.py": VERIFIER.read_bytes(),
        "autorite/racines.pem": pem_bundle([root.dump() for root in trust_roots()]).encode(),
        "autorite/certificats.pem": pem_bundle(
            token_certificates(list(evidence.seals.values()))
        ).encode(),
        "LISEZMOI.txt": render_to_string(
            "archives/evidence_readme.txt",
            {"mail": mail, "evidence": evidence, "authority": bool(settings.BANNETTE_TSA_URL)},
        ).encode(),
    }
    manifest = {
        "format": "bannette-mail-evidence-package/1",
        "organisation": settings.BANNETTE_ORGANISATION_NAME,
        "made_at": timezone.now().isoformat(),
        "made_by": user.get_username(),
        "mail": {"id": mail.pk, "chrono_number": mail.chrono_number},
        "journal_last_seal": seal_summary(latest),
        "timestamp_authority": bool(settings.BANNETTE_TSA_URL),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    data, token = stamped_manifest(manifest)
    buffer = io.BytesIO()
    folder = f"preuve-{(mail.chrono_number or str(mail.pk)).replace('/', '-')}"
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, content in files.items():
            bundle.writestr(f"{folder}/{name}", content)
        bundle.writestr(f"{folder}/manifest.json", data)
        if token:
            bundle.writestr(f"{folder}/{STAMP}", token)
    with transaction.atomic():
        record_event(
            action="journal.evidence",
            actor=user,
            target=mail,
            details={"events": len(evidence.events), "holds": not evidence.problems},
        )
    return buffer.getvalue()
