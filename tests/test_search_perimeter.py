"""Search finds exactly what each persona may open: no more (leak), no fewer (miss).

Cross-app (visa circuits feed the perimeter), on both backends."""

from __future__ import annotations

import pytest

from courrier.models import DiffusionListEntry, DiffusionRole, MailStatus, Role
from courrier.selectors import visible_mails
from courrier.services.circulation import add_note
from courrier.tests.factories import UserFactory, make_mail
from indexing.query import SearchQuery
from indexing.services import rebuild, search
from indexing.whoosh_backend import SCHEMA
from visa.models import VisaStep, VisaStepRole, VisaStepState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]
OPEN = {"status": MailStatus.IN_PROGRESS}


@pytest.fixture
def people(org):
    return {
        name: UserFactory.create(username=name, primary_entity=entity, roles=[Role.AGENT])
        for name, entity in [("ana", org.vasso), ("bea", org.vasso), ("cyr", org.courrier)]
    }


@pytest.fixture
def mails(org, agent, urbanisme_agent, manager, people):
    shared = make_mail(
        subject="Subvention du club",
        destination_entity=org.urbanisme,
        text="gymnase",
        override=OPEN,
    )
    for user in (people["ana"], people["bea"]):
        DiffusionListEntry.objects.create(mail=shared, role=DiffusionRole.COPY, user=user)
    for entity in (org.vasso, org.voirie):
        DiffusionListEntry.objects.create(mail=shared, role=DiffusionRole.COPY, entity=entity)
    circuit = make_mail(
        subject="Réponse au club", destination_entity=org.urbanisme, text="gymnase", override=OPEN
    )
    for position, user in enumerate((manager, people["cyr"])):
        VisaStep.objects.create(
            mail=circuit,
            position=position,
            user=user,
            role=VisaStepRole.VISA,
            state=VisaStepState.CURRENT if position == 0 else VisaStepState.PENDING,
        )
    secret = make_mail(
        subject="Contentieux gymnase",
        destination_entity=org.urbanisme,
        confidential=True,
        text="gymnase",
        override=OPEN,
    )
    add_note(
        actor=urbanisme_agent, mail=secret, text="litige prud'homal", restricted_to=[org.urbanisme]
    )
    add_note(
        actor=urbanisme_agent, mail=shared, text="litige voisinage", restricted_to=[org.urbanisme]
    )
    rebuild()
    return {"shared": shared, "circuit": circuit, "secret": secret}


def found(user, **criteria):
    return {hit.mail_id for hit in search(user, SearchQuery(**criteria)).hits}


def test_search_finds_exactly_the_mail_each_persona_may_open(
    mails, people, agent, urbanisme_agent, manager, clerk, archivist, outsider
):
    personas = [*people.values(), agent, urbanisme_agent, manager, clerk, archivist, outsider]
    for user in personas:
        may_open = set(
            visible_mails(user).filter(text__icontains="gymnase").values_list("pk", flat=True)
        )
        assert found(user, text="gymnase") == may_open, user.username
    assert found(people["bea"], text="gymnase") == {mails["shared"].pk}  # second copy line
    assert found(people["cyr"], text="gymnase") == {mails["circuit"].pk}  # second visa step


@pytest.mark.parametrize(
    "query",
    [
        "{field}:litige",
        "{field}:l*",
        "{field}:litig?",
        "gymnase AND ({field}:litige)",
    ],
)
def test_no_query_reaches_a_field_users_may_not_search(mails, org, agent, urbanisme_agent, query):
    internal = [
        f"rnotes_e{org.urbanisme.pk}",
        f"rnotes_u{urbanisme_agent.pk}",
        "dest_entity",
        "diff_entities",
        "diff_users",
        "involved_users",
        "assignee",
        "creator",
        "confidential",
        "status",
        "id",
    ]
    assert {name for name in SCHEMA.names() if not name.startswith("rnotes_")} >= set(internal[2:])
    assert mails["shared"].pk in found(agent, text="gymnase")  # Voirie has it in copy...
    for field in internal:
        # ...but only Urbanisme may read its notes: no field name opens them.
        assert found(agent, text=query.format(field=field)) == set(), field
