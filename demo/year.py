"""A year of a town hall's mail, played day by day through the services at the dates it happened.

Deterministic (one seed), so every demo shows the same baskets and the same statistics. Each
mail's life is planned first (arrival, qualification, assignment, notes, copies, opinions, visa,
closing), then every step of every mail runs in date order with the clock set to its moment:
the journal, due dates and closing dates read as if the year had been lived.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.db import transaction

from courrier.models import (
    Channel,
    Contact,
    ContactKind,
    DocumentType,
    Entity,
    Mail,
    Priority,
    User,
)
from courrier.services import circulation, contacts, processing
from courrier.services import mail as mail_services
from demo import outgoing
from visa.models import VisaStepRole
from visa.opinions import answer_opinion, request_opinion
from visa.services import approve, start_visa_circuit

# Women's first names: « Madame » in letters; the others « Monsieur » (Camille is both: Mme).
WOMEN = {
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Camille",
    "Julie",
    "Sandrine",
    "Léa",
    "Chloé",
    "Manon",
    "Sarah",
    "Yasmine",
    "Fatima",
    "Élodie",
}
FIRST_NAMES = [
    "Marie",
    "Jean",
    "Nathalie",
    "Pierre",
    "Isabelle",
    "Michel",
    "Sylvie",
    "Philippe",
    "Catherine",
    "Alain",
    "Camille",
    "Nicolas",
    "Julie",
    "Thomas",
    "Sandrine",
    "Laurent",
    "Léa",
    "Hugo",
    "Chloé",
    "Louis",
    "Manon",
    "Gabriel",
    "Sarah",
    "Arthur",
    "Yasmine",
    "Karim",
    "Fatima",
    "Mehdi",
    "Élodie",
    "Bernard",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefèvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Perrin",
    "Benali",
    "Nguyen",
]
STREETS = [
    "rue des Lilas",
    "avenue du Stade",
    "rue de la République",
    "chemin des Vignes",
    "place de l'Église",
    "rue Victor-Hugo",
    "impasse des Tilleuls",
    "route de Bourg-Neuf",
    "rue du Moulin",
    "allée des Acacias",
    "boulevard Jean-Jaurès",
    "rue Pasteur",
]
ASSOCIATIONS = [
    "Association sportive de Villedieu",
    "Comité des fêtes",
    "Club de l'âge d'or",
    "Les Amis de la bibliothèque",
    "Harmonie municipale",
    "Villedieu Basket",
    "Restos du cœur, antenne de Villedieu",
    "Jardins partagés du Moulin",
]
COMPANIES = [
    "Lumière Services SARL",
    "Bâti-Centre SAS",
    "Espaces Verts Durand",
    "Imprimerie du Centre",
    "Fournitures Bureau Plus",
    "Garage Martin",
    "Voirie & Réseaux SA",
    "Eau de la Vallée",
]

# document type code: (entity code, share of the year's mail, subjects)
SUBJECTS: dict[str, tuple[str, int, list[str]]] = {
    "signalement": (
        "VOIR",
        24,
        [
            "Nid-de-poule {street}",
            "Lampadaire éteint {street}",
            "Dépôt sauvage {street}",
            "Trottoir dégradé {street}",
            "Arbre menaçant de tomber {street}",
            "Signalisation effacée {street}",
        ],
    ),
    "reclamation": (
        "URBA",
        14,
        [
            "Réclamation : travaux sans autorisation {street}",
            "Réclamation : haie non taillée {street}",
            "Réclamation : nuisances de chantier {street}",
            "Réclamation : stationnement gênant {street}",
        ],
    ),
    "acte-etat-civil": (
        "ETCIV",
        26,
        [
            "Demande de copie intégrale d'acte de naissance",
            "Demande d'extrait d'acte de mariage",
            "Demande d'acte de décès",
            "Demande de livret de famille",
        ],
    ),
    "subvention": (
        "VASSO",
        8,
        [
            "Demande de subvention de fonctionnement : {association}",
            "Demande de subvention exceptionnelle : {association}",
            "Demande de prêt de salle : {association}",
        ],
    ),
    "facture": (
        "FIN",
        18,
        ["Facture n° {number} : {company}", "Avoir n° {number} : {company}"],
    ),
    "rapo": (
        "URBA",
        4,
        [
            "Recours gracieux contre le refus de permis de construire",
            "Recours contre une déclaration préalable refusée",
        ],
    ),
    "candidature": (
        "DGS",
        6,
        ["Candidature spontanée : agent technique", "Candidature : poste d'animateur"],
    ),
}
CHANNELS = [(Channel.PAPER, 45), (Channel.EMAIL, 30), (Channel.WEB_FORM, 20), (Channel.COUNTER, 5)]
PRIORITIES = [(Priority.NORMAL, 85), (Priority.HIGH, 10), (Priority.URGENT, 3), (Priority.LOW, 2)]
# Who works the mail of each service (the demo's agents; the DGS director for the DGS).
AGENTS = {
    "VOIR": "a.durand",
    "URBA": "l.leroy",
    "ETCIV": "e.roux",
    "VASSO": "v.petit",
    "FIN": "n.garnier",
    "DGS": "admin",
}
NOTES = [
    "Demandeur rappelé ce jour, il confirme sa demande.",
    "Pièces complémentaires demandées.",
    "Intervention des équipes programmée.",
    "Dossier complet, instruction en cours.",
    "Vu avec le responsable : priorité à donner.",
    "En attente du devis de l'entreprise.",
]
CLOSINGS = [
    "Réponse envoyée au demandeur ; dossier clos.",
    "Intervention réalisée, demandeur informé.",
    "Acte délivré au demandeur.",
    "Sans suite : demande retirée par le demandeur.",
    "Réponse envoyée par courrier.",
]
OPINIONS = [
    "Avis favorable.",
    "Avis favorable sous réserve de l'accord du propriétaire.",
    "Avis défavorable : travaux prévus au printemps.",
]
DEFAULT_MAILS = 2600
REPLIED = 0.35  # closed mail answered by a letter (the rest by phone, in person, or not at all)
SEED = 2026


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([value for value, _w in pairs], [weight for _v, weight in pairs])[0]


def _working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days = (first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def _at(day: datetime.date, hour: float) -> datetime.datetime:
    """A moment of a working day (hours may spill over to the next days)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    return start + datetime.timedelta(hours=hour)


@dataclass(order=True)
class Step:
    at: datetime.datetime
    order: int
    run: Callable[[], object] = field(compare=False)


@dataclass
class Cast:
    """Who and what the year's mail is about."""

    users: dict[str, User]
    entities: dict[str, Entity]
    types: dict[str, DocumentType]
    people: list[Contact]
    associations: list[Contact]
    companies: list[Contact]


def _contact(rng: random.Random, index: int) -> Contact:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    rng.choice(["M.", "Mme"])  # drawn as before, so that the rest of the year stays the same
    return Contact(
        kind=ContactKind.PERSON,
        civility="Mme" if first in WOMEN else "M.",
        first_name=first,
        last_name=last,
        email=f"{first}.{last}{index}@example.org".lower().replace(" ", ""),
        address_line1=f"{rng.randint(1, 80)} {rng.choice(STREETS)}",
        postcode="00100",
        city="Villedieu",
    )


def _organisation(name: str, index: int) -> Contact:
    return Contact(
        kind=ContactKind.ORGANISATION,
        organisation_name=name,
        email=f"contact{index}@organisation.example.org",
        address_line1=f"{index + 2} zone d'activités des Prés",
        postcode="00200",
        city="Bourg-Neuf",
    )


def directory(actor: User, rng: random.Random, persons: int = 300) -> tuple[list[Contact], ...]:
    """The town's correspondents: residents, associations and suppliers."""
    save = contacts.save_contact
    people = [save(actor=actor, contact=_contact(rng, n)) for n in range(persons)]
    associations = [
        save(actor=actor, contact=_organisation(name, n)) for n, name in enumerate(ASSOCIATIONS)
    ]
    companies = [
        save(actor=actor, contact=_organisation(name, 20 + n)) for n, name in enumerate(COMPANIES)
    ]
    return people, associations, companies


class MailLife:
    """The planned steps of one mail, run later in date order with the others."""

    def __init__(self, cast: Cast, rng: random.Random, day: datetime.date, now: datetime.datetime):
        self.cast, self.rng, self.now = cast, rng, now
        self.mail: Mail | None = None
        shares = [(code, spec[1]) for code, spec in SUBJECTS.items()]
        self.doctype = _weighted(rng, shares)
        entity_code, _share, subjects = SUBJECTS[self.doctype]
        self.entity = cast.entities[entity_code]
        self.agent = cast.users[AGENTS[entity_code]]
        self.sender = self._sender()
        self.subject = rng.choice(subjects).format(
            street=rng.choice(STREETS),
            association=self.sender.display_name,
            company=self.sender.display_name,
            number=f"{day:%y}-{rng.randint(100, 9999)}",
        )
        self.arrival = _at(day, 8.5 + rng.random() * 8)
        self.steps: list[tuple[datetime.datetime, Callable[[], object]]] = []

    def _sender(self) -> Contact:
        if self.doctype == "subvention":
            return self.rng.choice(self.cast.associations)
        if self.doctype == "facture":
            return self.rng.choice(self.cast.companies)
        return self.rng.choice(self.cast.people)

    def _later(
        self, after: datetime.datetime, low_hours: float, high_hours: float
    ) -> datetime.datetime:
        return after + datetime.timedelta(hours=self.rng.uniform(low_hours, high_hours))

    def _add(self, at: datetime.datetime, run: Callable[[], object]) -> bool:
        if at >= self.now:
            return False
        self.steps.append((at, run))
        return True

    def plan(self) -> list[tuple[datetime.datetime, Callable[[], object]]]:
        rng = self.rng
        self._add(self.arrival, self._register)
        qualified = self._later(self.arrival, 0.5, 20)
        if not self._add(qualified, self._qualify):
            return self.steps
        worked = self._later(qualified, 1, 60)
        if rng.random() < 0.75:
            self._add(
                worked, lambda: self._as_agent(mail_services.assign_mail, assignee=self.agent)
            )
        if rng.random() < 0.35:
            note = rng.choice(NOTES)
            self._add(self._later(worked, 1, 90), lambda: self._note(note))
        if rng.random() < 0.12:
            self._add(self._later(worked, 0, 24), self._copy)
        if rng.random() < 0.07:
            self._plan_opinion(worked)
        delay = self.cast.types[self.doctype].delay_days * 24 * 1.4  # calendar hours
        share = rng.uniform(0.15, 0.95) if rng.random() < 0.8 else rng.uniform(1.05, 1.9)
        closing = qualified + datetime.timedelta(hours=delay * share)
        if closing < self.now:
            comment = rng.choice(CLOSINGS)
            self._add(closing, lambda: self._as_agent(mail_services.close_mail, comment=comment))
            if rng.random() < REPLIED:  # drawn last: the other choices stay as they were
                self._add(
                    closing + datetime.timedelta(minutes=5),
                    lambda: outgoing.sent_reply(self._mail(), self.agent),
                )
        elif self.entity.code == "VOIR" and rng.random() < 0.35:
            self._plan_visa(worked)
        elif rng.random() < 0.05:
            self._add(self._later(worked, 2, 48), lambda: self._as_agent(processing.put_on_hold))
        return self.steps

    def _plan_opinion(self, after: datetime.datetime) -> None:
        asked = self.cast.entities["URBA" if self.entity.code != "URBA" else "VOIR"]
        answerer = self.cast.users["l.leroy" if asked.code == "URBA" else "a.durand"]
        asked_at = self._later(after, 1, 30)
        deadline = (asked_at + datetime.timedelta(days=10)).date()
        self._add(
            asked_at,
            lambda: request_opinion(
                actor=self.agent,
                mail=self._mail(),
                asked=[asked],
                reason="Merci de me donner votre avis sur cette demande.",
                deadline=deadline,
            ),
        )
        if self.rng.random() < 0.8:
            text = self.rng.choice(OPINIONS)
            self._add(
                self._later(asked_at, 20, 200),
                lambda: answer_opinion(actor=answerer, mail=self._mail(), text=text),
            )

    def _plan_visa(self, after: datetime.datetime) -> None:
        manager, mayor = self.cast.users["m.bernard"], self.cast.users["j.moreau"]
        sent = self._later(after, 24, 120)
        steps = [(manager, VisaStepRole.VISA), (mayor, VisaStepRole.SIGNATURE)]
        self._add(sent, lambda: self._circuit(steps))
        if self.rng.random() < 0.4:
            self._add(self._later(sent, 4, 72), lambda: approve(actor=manager, mail=self._mail()))

    def _circuit(self, steps: Sequence[tuple[User, str]]) -> None:
        """The agent's reply letter goes round for visa and signature."""
        mail = self._mail()
        draft = outgoing.reply_draft(mail, self.agent)
        start_visa_circuit(actor=self.agent, mail=mail, steps=steps, draft=draft)

    def _mail(self) -> Mail:
        assert self.mail is not None
        return self.mail

    def _register(self) -> None:
        rng = self.rng
        self.mail = mail_services.register_mail(
            actor=self.cast.users["c.martin"],
            registration=mail_services.Registration(
                subject=self.subject,
                channel=_weighted(rng, CHANNELS),
                priority=_weighted(rng, PRIORITIES),
                confidential=rng.random() < 0.02,
                senders=[self.sender],
                text=f"{self.sender.display_name}\n{self.subject}",
            ),
        )

    def _qualify(self) -> None:
        mail_services.qualify_mail(
            actor=self.cast.users["c.martin"],
            mail=self._mail(),
            qualification=mail_services.Qualification(
                document_type=self.cast.types[self.doctype],
                destination_entity=self.entity,
                senders=None,
            ),
        )

    def _as_agent(self, service: Callable[..., object], **kwargs: object) -> None:
        service(actor=self.agent, mail=self._mail(), **kwargs)

    def _note(self, text: str) -> None:
        circulation.add_note(actor=self.agent, mail=self._mail(), text=text)

    def _copy(self) -> None:
        other = "ST" if self.entity.code != "ST" else "DGS"
        processing.send_copy(actor=self.agent, mail=self._mail(), entity=self.cast.entities[other])


def plan_year(
    cast: Cast, *, mails: int, now: datetime.datetime, seed: int = SEED
) -> list[MailLife]:
    """The lives of `mails` mails arrived over the last year, each with its planned steps."""
    rng = random.Random(seed)
    today = now.date()
    days = _working_days(today - datetime.timedelta(days=365), today)
    lives = []
    for number in range(mails):
        day = days[min(int(len(days) * number / mails), len(days) - 1)]
        life = MailLife(cast, random.Random(rng.random()), day, now)
        life.plan()
        lives.append(life)
    return lives


def in_date_order(lives: Sequence[MailLife | outgoing.WrittenMail]) -> list[Step]:
    steps = [(at, run) for life in lives for at, run in life.steps]
    return sorted(Step(at, order, run) for order, (at, run) in enumerate(steps))


def by_day(steps: list[Step]) -> Iterator[list[Step]]:
    day: list[Step] = []
    for step in steps:
        if day and step.at.date() != day[0].at.date():
            yield day
            day = []
        day.append(step)
    if day:
        yield day


def live(steps: list[Step], progress: Callable[[int], None] | None = None) -> None:
    """Run the steps at their moments, one transaction per day."""
    for day in by_day(steps):
        with transaction.atomic():
            for step in day:
                with time_machine.travel(step.at, tick=False):
                    step.run()
        if progress:
            progress(len(day))
