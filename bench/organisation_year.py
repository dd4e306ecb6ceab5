"""A real organisation's years of mail, written fast, for the benchmarks that need volume.

A deep entity tree (a general directorate, directions, services, units, and the mail room),
people in every entity (agents, managers, clerks), document types with their delays, contacts,
and mail as it stands after its life: recent mail waiting for qualification, in progress, on
hold, in a visa circuit or ready to leave; older mail mostly closed, some of it late. Each mail
has its recipient line, often copies (some read), a sender, due and reminder dates, an
assignee and creator, and its journal events, chained as `record_event` chains them.

Rows are inserted in bulk (no services, no search indexing): benchmarks index afterwards.
`generate()` is deterministic for a seed.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from courrier.chain import GENESIS_HASH, event_hash, event_mac, link_hash, number_after
from courrier.models import (
    Category,
    Channel,
    Contact,
    DiffusionListEntry,
    DiffusionRole,
    DocumentType,
    Entity,
    EntityType,
    JournalEvent,
    JournalHead,
    JournalLink,
    Mail,
    MailContact,
    MailStatus,
    Priority,
    Role,
    User,
)
from courrier.models.mail import ContactRole
from courrier.services.chaining import journal_key
from visa.models import VisaStep, VisaStepRole, VisaStepState

FRENCH_WORDS = Path("/usr/share/dict/french")  # Debian package wfrench (installed by ./dev setup)
_MAIL_ROOM_TEXT = (
    "demande subvention association sportive tournoi stationnement gênant école trottoir "
    "chaussée lampadaire éclairage public panne voirie travaux bruit nuisance chantier permis "
    "construire urbanisme recours décision arrêté facture règlement montant paiement état civil "
    "naissance mariage décès copie intégrale extrait cantine scolaire inscription crèche déchets "
    "collecte encombrants arbre élagage parc jardin fuite eau assainissement réseau courrier "
    "réponse délai relance dossier pièce justificative madame monsieur maire conseil municipal "
    "réunion invitation cérémonie logement social attribution candidature emploi"
)
MAIL_ROOM_WORDS = _MAIL_ROOM_TEXT.split()
SUBJECTS = (
    "Demande de subvention",
    "Réclamation voirie",
    "Éclairage public en panne",
    "Recours gracieux",
    "Facture",
    "Demande d'acte de naissance",
    "Inscription scolaire",
    "Nuisances sonores",
    "Permis de construire",
    "Élagage des arbres",
    "Candidature spontanée",
    "Invitation",
    "Demande de logement social",
    "Signalement d'un nid-de-poule",
)
DOCUMENT_TYPES = (  # code, label, delay (calendar days), reminder before
    ("bench-reclamation", "Réclamation", 30, 7),
    ("bench-subvention", "Demande de subvention", 60, 10),
    ("bench-recours", "Recours administratif préalable", 60, 15),
    ("bench-facture", "Facture", 30, 5),
    ("bench-candidature", "Candidature", 30, 7),
    ("bench-signalement", "Signalement", 10, 2),
    ("bench-acte", "Demande d'acte d'état civil", 10, 3),
    ("bench-information", "Information", 0, 0),
)
DIRECTIONS, SERVICES, UNITS = 8, 4, 3  # per parent: 8 directions x 4 services x 3 units
AGENTS_PER_UNIT, CLERKS = 4, 6
# Status of a mail by its age in days (upper bound) : (status, weight)...
STATUS_BY_AGE: tuple[tuple[int, tuple[tuple[str, int], ...]], ...] = (
    (2, (("to_qualify", 60), ("in_progress", 40))),
    (
        30,
        (
            ("in_progress", 52),
            ("on_hold", 5),
            ("to_visa", 8),
            ("to_sign", 4),
            ("to_send", 3),
            ("closed", 28),
        ),
    ),
    (90, (("in_progress", 18), ("on_hold", 3), ("to_visa", 2), ("to_sign", 1), ("closed", 76))),
    (100_000, (("in_progress", 3), ("on_hold", 1), ("closed", 96))),
)


@dataclass
class Organisation:
    """What the generator made, for the benchmarks to pick their personas and entities."""

    mail_room: Entity
    directions: list[Entity] = field(default_factory=list)
    units: list[Entity] = field(default_factory=list)
    services: list[Entity] = field(default_factory=list)
    agents_of: dict[int, list[int]] = field(default_factory=dict)  # entity id -> user ids
    managers_of: dict[int, int] = field(default_factory=dict)  # service/direction -> user id
    clerks: list[int] = field(default_factory=list)


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Mail-room words first, then a French dictionary; cumulative Zipf weights as in letters."""
    words = list(MAIL_ROOM_WORDS)
    if FRENCH_WORDS.exists():
        extra = [
            w
            for w in FRENCH_WORDS.read_text(encoding="utf-8").split()
            if w.isalpha() and len(w) > 3
        ]
        rng.shuffle(extra)
        words += extra[:20_000]
    return words, list(itertools.accumulate(1 / (rank + 10) ** 1.1 for rank in range(len(words))))


def _sentences(rng: random.Random, count: int) -> list[str]:
    words, weights = vocabulary(rng)
    return [
        " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(8, 20))).capitalize() + "."
        for _ in range(count)
    ]


def _organisation(password: str) -> Organisation:
    def entity(code: str, label: str, kind: str, parent: Entity | None) -> Entity:
        return Entity.objects.create(code=code, label=label, entity_type=kind, parent=parent)

    root = entity("B-MIN", "Ministère (banc d'essai)", EntityType.DIRECTION, None)
    general = entity("B-SG", "Secrétariat général", EntityType.DIRECTION, root)
    org = Organisation(mail_room=entity("B-COUR", "Bureau du courrier", EntityType.OFFICE, general))
    for d in range(1, DIRECTIONS + 1):
        direction = entity(f"B-D{d}", f"Direction {d}", EntityType.DIRECTION, general)
        org.directions.append(direction)
        for s in range(1, SERVICES + 1):
            service = entity(f"B-D{d}S{s}", f"Service {d}.{s}", EntityType.SERVICE, direction)
            org.services.append(service)
            for u in range(1, UNITS + 1):
                org.units.append(
                    entity(f"B-D{d}S{s}U{u}", f"Bureau {d}.{s}.{u}", EntityType.OFFICE, service)
                )
    groups = {role: Group.objects.get(name=role) for role in (Role.AGENT, Role.MANAGER, Role.CLERK)}
    people: list[tuple[str, Entity, str]] = [
        (f"bench-clerk{'' if i == 0 else i}", org.mail_room, Role.CLERK) for i in range(CLERKS)
    ]
    for unit in org.units:
        people += [
            (f"bench-{unit.code[2:].lower()}-{i}", unit, Role.AGENT) for i in range(AGENTS_PER_UNIT)
        ]
    people += [(f"bench-chef-{e.code[2:].lower()}", e, Role.MANAGER) for e in org.services]
    people += [(f"bench-dir-{e.code[2:].lower()}", e, Role.MANAGER) for e in org.directions]
    users = User.objects.bulk_create(
        User(username=name, password=password, primary_entity=where, last_name=name)
        for name, where, _role in people
    )
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=groups[role].pk)
        for user, (_name, _where, role) in zip(users, people, strict=True)
    )
    for user, (_name, where, role) in zip(users, people, strict=True):
        if role == Role.CLERK:
            org.clerks.append(user.pk)
        elif role == Role.AGENT:
            org.agents_of.setdefault(where.pk, []).append(user.pk)
        else:
            org.managers_of[where.pk] = user.pk
    return org


@dataclass
class Chain:
    """Journal events and their links, as record_event and chain_journal write them, in
    batches."""

    seq: int = 0
    prev: str = GENESIS_HASH
    pending: list[JournalEvent] = field(default_factory=list)
    links: list[JournalLink] = field(default_factory=list)
    key: bytes = field(default_factory=journal_key)

    def add(
        self,
        *,
        action: str,
        when: datetime.datetime,
        actor: int | None,
        mail: int,
        details: dict[str, object],
    ) -> None:
        self.seq += 1
        event = JournalEvent(
            seq=self.seq,
            timestamp=when,
            actor_id=actor,
            actor_name=f"user{actor}",
            on_behalf_of_name="",
            action=action,
            object_type="courrier.mail",
            object_id=str(mail),
            mail_id=mail,
            details=details,
            prev_hash="",
        )
        event.hash = event_hash(event)
        event.mac = event_mac(self.key, event.seq, event.hash)
        link = JournalLink(position=self.seq, event_id=self.seq, prev_hash=self.prev)
        link.hash = self.prev = link_hash(self.seq, self.seq, event.hash, link.prev_hash)
        self.pending.append(event)
        self.links.append(link)

    def flush(self) -> None:
        JournalEvent.objects.bulk_create(self.pending, batch_size=5000)
        JournalLink.objects.bulk_create(self.links, batch_size=5000)
        self.pending.clear()
        self.links.clear()
        JournalHead.objects.update_or_create(pk=1, defaults={"seq": self.seq, "hash": self.prev})
        number_after(connection, self.seq)


@dataclass
class _Year:
    """What every batch of the generation draws from."""

    rng: random.Random
    org: Organisation
    days: int
    today: datetime.date
    types: list[DocumentType]
    contact_ids: list[int]
    sentences: list[str]
    units: list[Entity]
    unit_weights: list[float]
    parent_of: dict[int, int | None]
    chain: Chain = field(default_factory=Chain)


def _status(rng: random.Random, age: int) -> str:
    for bound, weighted in STATUS_BY_AGE:
        if age <= bound:
            return rng.choices([s for s, _ in weighted], weights=[w for _, w in weighted])[0]
    raise AssertionError("the last bound covers every age")


def _units_by_load(rng: random.Random, org: Organisation) -> tuple[list[Entity], list[float]]:
    """Some units receive much more than others (Zipf), as in a real organisation."""
    units = list(org.units)
    rng.shuffle(units)
    return units, list(itertools.accumulate(1 / (rank + 2) for rank in range(len(units))))


def generate(
    mails: int,
    *,
    seed: int = 42,
    days: int | None = None,
    batch: int = 5000,
    progress: Callable[[int], object] = lambda n: None,
) -> Organisation:
    """Write `mails` mails spread over `days` days up to today (about 1,000 a working day)."""
    rng = random.Random(seed)
    days = days or max(30, mails // 700)
    password = make_password("bannette-bench")
    org = _organisation(password)
    types = [
        DocumentType.objects.get_or_create(
            code=code,
            defaults={"label": label, "delay_days": delay, "reminder1_days_before": before},
        )[0]
        for code, label, delay, before in DOCUMENT_TYPES
    ]
    contacts = Contact.objects.bulk_create(
        Contact(last_name=f"Usager {i}", first_name=rng.choice(("Marie", "Jean", "Léa", "Paul")))
        for i in range(max(100, mails // 20))
    )
    units, unit_weights = _units_by_load(rng, org)
    year = _Year(
        rng=rng,
        org=org,
        days=days,
        today=timezone.localdate(),
        types=types,
        contact_ids=[c.pk for c in contacts],
        sentences=_sentences(rng, 20_000),
        units=units,
        unit_weights=unit_weights,
        parent_of={e.pk: e.parent_id for e in Entity.objects.all()},
    )
    made = 0
    while made < mails:
        size = min(batch, mails - made)
        with transaction.atomic():
            _write_batch(year, first=made, size=size)
            year.chain.flush()
        made += size
        progress(size)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return org


def _mail_rows(year: _Year, first: int, size: int) -> Iterator[Mail]:
    rng, org, days, today = year.rng, year.org, year.days, year.today
    for i in range(first, first + size):
        age = min(int(rng.expovariate(1 / (days / 3))), days - 1)
        arrival = today - datetime.timedelta(days=age)
        status = _status(rng, age)
        doc_type = rng.choice(year.types)
        unit = rng.choices(year.units, cum_weights=year.unit_weights)[0]
        qualified = status != MailStatus.TO_QUALIFY
        agents = org.agents_of[unit.pk]
        due = (
            arrival + datetime.timedelta(days=doc_type.delay_days) if doc_type.delay_days else None
        )
        registered = timezone.make_aware(
            datetime.datetime.combine(
                arrival, datetime.time(8 + rng.randrange(9), rng.randrange(60))
            )
        )
        closed_at = (
            registered + datetime.timedelta(days=rng.randint(1, 40))
            if status == MailStatus.CLOSED
            else None
        )
        yield Mail(
            category=Category.INCOMING,
            chrono_number=f"B/{arrival.year}/A/{i + 1:07d}",
            subject=f"{rng.choice(SUBJECTS)} — {rng.choice(year.sentences)[:120]}",
            document_type=doc_type if qualified else None,
            status=status,
            priority=rng.choices(
                (Priority.NORMAL, Priority.HIGH, Priority.URGENT, Priority.LOW),
                weights=(85, 10, 3, 2),
            )[0],
            channel=rng.choices(
                (Channel.PAPER, Channel.EMAIL, Channel.WEB_FORM), weights=(6, 3, 1)
            )[0],
            arrival_date=arrival,
            document_date=arrival - datetime.timedelta(days=rng.randint(1, 6)),
            due_date=due if qualified else None,
            reminder_date=due - datetime.timedelta(days=doc_type.reminder1_days_before or 0)
            if due and qualified
            else None,
            clock_start=arrival if due and qualified else None,
            closing_date=min(closed_at, timezone.now()) if closed_at else None,
            processing_days=(closed_at.date() - arrival).days if closed_at else None,
            destination_entity=unit if qualified else None,
            assignee_id=rng.choice(agents) if qualified and rng.random() < 0.7 else None,
            created_by_id=rng.choice(org.clerks),
            confidential=rng.random() < 0.02,
            text="\n".join(rng.choices(year.sentences, k=rng.randint(6, 16))),
            page_count=rng.randint(1, 4),
            created_at=registered,
        )


def _write_batch(year: _Year, first: int, size: int) -> None:
    rng, org, chain = year.rng, year.org, year.chain
    rows = list(_mail_rows(year, first, size))
    written = Mail.objects.bulk_create(rows, batch_size=1000)
    lines: list[DiffusionListEntry] = []
    senders: list[MailContact] = []
    steps: list[VisaStep] = []
    for mail in written:
        senders.append(
            MailContact(
                mail_id=mail.pk, contact_id=rng.choice(year.contact_ids), role=ContactRole.SENDER
            )
        )
        clerk = mail.created_by_id
        chain.add(
            action="mail.registered",
            when=mail.created_at,
            actor=clerk,
            mail=mail.pk,
            details={
                "chrono_number": mail.chrono_number,
                "channel": mail.channel,
                "status": "to_qualify",
            },
        )
        if mail.destination_entity_id is None:
            continue
        later = mail.created_at + datetime.timedelta(hours=2)
        lines.append(
            DiffusionListEntry(
                mail_id=mail.pk,
                role=DiffusionRole.RECIPIENT,
                entity_id=mail.destination_entity_id,
                added_at=later,
                read_at=later if mail.status == MailStatus.CLOSED else None,
            )
        )
        lines += _copies(rng, org, mail, later)
        chain.add(
            action="mail.qualified",
            when=later,
            actor=clerk,
            mail=mail.pk,
            details={"destination": str(mail.destination_entity_id)},
        )
        if mail.status in (MailStatus.TO_VISA, MailStatus.TO_SIGN, MailStatus.TO_SEND):
            steps += _visa_steps(org, mail, year.parent_of, later)
        if mail.closing_date is not None:
            chain.add(
                action="mail.closed",
                when=mail.closing_date,
                actor=mail.assignee_id or clerk,
                mail=mail.pk,
                details={},
            )
    MailContact.objects.bulk_create(senders, batch_size=5000)
    DiffusionListEntry.objects.bulk_create(lines, batch_size=5000)
    VisaStep.objects.bulk_create(steps, batch_size=5000)


def _copies(
    rng: random.Random, org: Organisation, mail: Mail, when: datetime.datetime
) -> list[DiffusionListEntry]:
    """A third of the mail goes in copy to one to three other entities or people."""
    if rng.random() > 0.33:
        return []
    copies = []
    targets: set[tuple[str, int]] = set()
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.6:
            targets.add(("entity", rng.choice(org.services + org.units + org.directions).pk))
        else:
            targets.add(("user", rng.choice(rng.choice(list(org.agents_of.values())))))
    for kind, pk in targets:
        read = mail.status == MailStatus.CLOSED or rng.random() < 0.6
        copies.append(
            DiffusionListEntry(
                mail_id=mail.pk,
                role=DiffusionRole.COPY,
                entity_id=pk if kind == "entity" else None,
                user_id=pk if kind == "user" else None,
                added_at=when,
                read_at=when + datetime.timedelta(days=1) if read else None,
            )
        )
    return copies


def _visa_steps(
    org: Organisation, mail: Mail, parent_of: dict[int, int | None], when: datetime.datetime
) -> list[VisaStep]:
    """Replies in a circuit: the service head's visa, then the director's signature."""
    service = parent_of[mail.destination_entity_id or 0]
    direction = parent_of[service or 0]
    states: dict[str, tuple[str, str]] = {
        MailStatus.TO_VISA: (VisaStepState.CURRENT, VisaStepState.PENDING),
        MailStatus.TO_SIGN: (VisaStepState.APPROVED, VisaStepState.CURRENT),
    }
    visa_state, sign_state = states.get(mail.status, (VisaStepState.APPROVED,) * 2)
    steps = (
        (1, org.managers_of[service or 0], VisaStepRole.VISA, visa_state),
        (2, org.managers_of[direction or 0], VisaStepRole.SIGNATURE, sign_state),
    )
    return [
        VisaStep(
            mail_id=mail.pk,
            position=position,
            user_id=user_id,
            role=role,
            state=state,
            current_since=when if state != VisaStepState.PENDING else None,
            decided_at=when if state == VisaStepState.APPROVED else None,
        )
        for position, user_id, role, state in steps
    ]


def build_search_index() -> None:
    """Every mail's weighted tsvector (the weights of indexing.postgres_backend._vector), in
    one SQL statement: what `reindex` writes, in a fraction of the time, for PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO indexing_mailsearchentry (mail_id, vector)
            SELECT id, setweight(to_tsvector('bannette_fr', chrono_number || ' ' || subject), 'A')
                    || setweight(to_tsvector('bannette_fr', text), 'C')
            FROM courrier_mail""")
        cursor.execute("VACUUM ANALYZE")
