"""Search behaviour: what an agent finds, and what an outsider never sees."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from whoosh.query import And, Phrase, Term

from courrier.models import Mail, MailStatus
from courrier.services.circulation import add_note
from courrier.tests.factories import ContactFactory, DocumentTypeFactory, make_mail
from indexing.query import SearchQuery
from indexing.services import index_mails, rebuild, search
from indexing.whoosh_backend import _pairs, _phrases_as_pairs, _text_query

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("search_backend")]
OPEN = {"status": MailStatus.IN_PROGRESS}


@pytest.fixture
def letters(org, agent):
    sender = ContactFactory.create(
        first_name="Hélène", last_name="Lefèvre", email="helene@example.org"
    )
    doctype = DocumentTypeFactory.create(code="reclamation")
    lamp = make_mail(
        subject="Réclamation",
        senders=[sender],
        document_type=doctype,
        destination_entity=org.voirie,
        arrival_date=datetime.date(2026, 3, 10),
        text="Les lampadaires de l'avenue sont éteints depuis trois semaines.",
        keywords=["éclairage"],
        override=OPEN,
    )
    noise = make_mail(
        subject="Bruit du chantier",
        destination_entity=org.voirie,
        arrival_date=datetime.date(2026, 5, 2),
        text="Travaux bruyants la nuit.",
        override=OPEN,
    )
    urba = make_mail(
        subject="Permis de construire",
        destination_entity=org.urbanisme,
        arrival_date=datetime.date(2026, 3, 12),
        text="Les lampadaires du lotissement.",
        override=OPEN,
    )
    secret = make_mail(
        subject="Lampadaire et litige",
        destination_entity=org.urbanisme,
        confidential=True,
        text="Contentieux sur les lampadaires.",
        override=OPEN,
    )
    add_note(actor=agent, mail=noise, text="Voisinage excédé", restricted_to=[org.voirie])
    rebuild()
    return {"lamp": lamp, "noise": noise, "urba": urba, "secret": secret}


def found(user, **criteria):
    return [hit.mail_id for hit in search(user, SearchQuery(**criteria)).hits]


def test_an_agent_finds_a_letter_by_a_word_only_in_its_ocr_text(agent, letters):
    assert found(agent, text="lampadaires") == [letters["lamp"].pk]
    assert found(agent, text="lampadaire eteint") == [letters["lamp"].pk]  # stemmed, accents folded


def test_by_sender_name_and_address(agent, letters):
    assert found(agent, sender="helene lefevre") == [letters["lamp"].pk]
    assert found(agent, text="helene@example.org") == [letters["lamp"].pk]


def test_by_chrono_number_exact_and_prefix(agent, letters):
    chrono = letters["lamp"].chrono_number
    assert found(agent, chrono=chrono) == [letters["lamp"].pk]
    assert set(found(agent, chrono=chrono[:-2])) >= {letters["lamp"].pk}
    assert found(agent, text=chrono) == [letters["lamp"].pk]


def test_by_date_range_and_entity(agent, manager, letters):
    march = {"arrival_from": datetime.date(2026, 3, 1), "arrival_to": datetime.date(2026, 3, 31)}
    assert found(agent, entity="VOIR", **march) == [letters["lamp"].pk]
    assert found(manager, entity="VOIR", arrival_from=datetime.date(2026, 4, 1)) == [
        letters["noise"].pk
    ]


def test_french_query_syntax(agent, letters):
    lamp, noise = letters["lamp"].pk, letters["noise"].pk
    assert set(found(agent, text="lampadaires OU bruyants")) == {lamp, noise}
    assert found(agent, text='"trois semaines"') == [lamp]
    assert found(agent, text='"semaines trois"') == []
    assert found(agent, text="lampadaires bruyants") == []  # words are ANDed by default
    assert found(agent, text="éclairage") == [lamp]  # keyword
    assert found(agent, text="lampadaires -éteints") == []


def test_a_phrase_is_its_words_side_by_side(org, agent, manager, search_backend):
    def letter(subject: str, text: str) -> Mail:
        return make_mail(subject=subject, destination_entity=org.voirie, text=text, override=OPEN)

    together = letter("Signalement", "Éclairage quartier nord en panne, rue haute ville.")
    apart = letter("Rue haute", "Éclairage en panne ; quartier calme de la haute ville.")
    titled = letter("Éclairages quartier sud", "Sans objet.")
    split = letter("Éclairage", "Quartier résidentiel.")  # one word at the end of each field
    stopped = letter("Divers", "L'éclairage du quartier est en panne.")
    noted = letter("Divers", "Rien.")
    add_note(actor=agent, mail=noted, text="Rue haute ville, au fond", restricted_to=[org.voirie])
    rebuild()
    named = {"together": together, "apart": apart, "titled": titled, "split": split}
    ids = {m.pk: name for name, m in {**named, "stopped": stopped, "noted": noted}.items()}

    def names(user: object, text: str) -> set[str]:
        return {ids[mail_id] for mail_id in found(user, text=text)}

    phrase_found = names(agent, '"éclairage quartier"')  # stemmed, accents folded
    assert {"together", "titled"} <= phrase_found and "apart" not in phrase_found
    assert names(agent, '"quartier éclairage"') == set()  # the order counts
    # three words: all side by side, not "rue haute" here and "haute ville" there
    assert names(agent, '"rue haute ville"') == {"together", "noted"}
    assert names(manager, '"rue haute ville"') == {"together"}  # the note is Voirie's only
    assert names(agent, 'haute -"rue haute ville"') == {"apart"}
    if search_backend == "whoosh":
        # whoosh leaves stop words out of phrases, and keeps each field apart; PostgreSQL
        # counts a stop word as a gap, and reads the subject and the text as one run of words.
        assert phrase_found == {"together", "titled", "stopped"}


def test_whoosh_looks_a_phrase_up_by_its_word_pairs():
    assert _pairs("L'éclairage du quartier, rue Haute") == [
        "eclairag quarti",
        "quarti ru",
        "ru haut",
    ]
    phrase = _text_query('"éclairage du quartier"', {"text": 1.0})
    assert _phrases_as_pairs(phrase) == And([Term("pairs", "eclairag quarti")])
    longer = _phrases_as_pairs(_text_query('"rue haute ville"', {"subject": 3.0}))
    assert longer == And(  # the pairs first, then the phrase itself among their mails
        [
            Term("subject_pairs", "ru haut"),
            Term("subject_pairs", "haut vill"),
            Phrase("subject", ["ru", "haut", "vill"], boost=3.0),
        ],
        boost=3.0,
    )


def test_an_outsider_finds_nothing_not_even_a_count(outsider, letters):
    results = search(outsider, SearchQuery(text="lampadaires"))
    assert results.total == 0 and results.hits == []


def test_confidential_mail_is_found_only_by_its_direct_circle(urbanisme_agent, archivist, letters):
    assert set(found(urbanisme_agent, text="lampadaires")) == {
        letters["urba"].pk,
        letters["secret"].pk,
    }
    assert set(found(archivist, text="lampadaires")) == {letters["lamp"].pk, letters["urba"].pk}


def test_restricted_notes_are_found_only_by_those_who_may_read_them(agent, manager, letters):
    assert found(agent, text="excédé") == [letters["noise"].pk]  # Voirie: the note's entity
    assert letters["noise"].pk in found(manager, entity="VOIR")  # the manager sees the mail...
    assert found(manager, text="excédé") == []  # ...but not the note restricted to Voirie


def test_snippets_mark_the_words_and_escape_the_text(agent, org, letters):
    mail = make_mail(
        subject="HTML",
        destination_entity=org.voirie,
        text="<script>x</script> lampadaires",
        override=OPEN,
    )
    index_mails([mail.pk])
    hit = next(
        h for h in search(agent, SearchQuery(text="lampadaires")).hits if h.mail_id == mail.pk
    )
    assert ">lampadaires</mark>" in hit.snippet and hit.snippet.count("<mark") == 1
    assert "<script" not in hit.snippet and "</script" not in hit.snippet  # escaped or dropped


def test_results_sort_by_date_and_paginate(manager, letters):
    newest_first = search(manager, SearchQuery(entity="VOIR", sort="-arrival"))
    assert [h.mail_id for h in newest_first.hits] == [letters["noise"].pk, letters["lamp"].pk]
    page2 = search(manager, SearchQuery(entity="VOIR", sort="-arrival"), page=2, page_size=1)
    assert page2.total == 2 and [h.mail_id for h in page2.hits] == [letters["lamp"].pk]


@pytest.mark.django_db(transaction=True)
def test_changes_reach_the_index_after_commit(org, clerk, agent):
    from courrier.services.mail import Qualification, Registration, qualify_mail, register_mail

    mail = register_mail(
        actor=clerk,
        registration=Registration(subject="Arbre tombé", text="Un platane bloque la rue."),
    )
    assert found(clerk, text="platane") == [mail.pk]
    assert found(agent, text="platane") == []  # still in the mail room
    qualify_mail(
        actor=clerk,
        mail=mail,
        qualification=Qualification(
            document_type=DocumentTypeFactory.create(code="signalement"),
            destination_entity=org.voirie,
        ),
    )
    assert found(agent, text="platane", entity="VOIR") == [mail.pk]
    mail.delete()  # the index follows without being asked
    assert found(clerk, text="platane") == []


def test_reindex_command_rebuilds_from_the_database(
    agent, letters, capsys, settings, search_backend
):
    import shutil

    from indexing.models import MailSearchEntry

    shutil.rmtree(settings.BANNETTE_INDEX_DIR, ignore_errors=True)
    MailSearchEntry.objects.all().delete()
    assert found(agent, text="lampadaires") == []
    call_command("reindex")
    assert "4 mail(s) indexed." in capsys.readouterr().out
    assert found(agent, text="lampadaires") == [letters["lamp"].pk]


def test_a_count_past_the_limit_says_more(archivist, letters, settings, search_backend):
    """PostgreSQL stops counting at BANNETTE_SEARCH_COUNT_LIMIT; whoosh counts exactly."""
    settings.BANNETTE_SEARCH_COUNT_LIMIT = 1
    results = search(archivist, SearchQuery(text="lampadaires"))
    assert len(results.hits) == 2  # the page is complete either way
    expected = (1, False) if search_backend == "postgres" else (2, True)
    assert (results.total, results.exact) == expected


@pytest.mark.parametrize("perimeter_first_up_to", [0, 30_000])
def test_relevance_ranks_every_match_when_they_are_few(
    agent, org, settings, search_backend, perimeter_first_up_to
):
    """Below the count limit every match is a candidate: an old letter about the very subject
    comes before thirty recent ones that only mention it, whatever the relevance window."""
    settings.BANNETTE_SEARCH_RANK_WINDOW = 1
    settings.BANNETTE_SEARCH_PERIMETER_FIRST_UP_TO = perimeter_first_up_to  # PostgreSQL's two ways
    recent = [
        make_mail(
            subject=f"Courrier {n}",
            destination_entity=org.voirie,
            arrival_date=datetime.date(2026, 6, 1) + datetime.timedelta(days=n),
            text="Objet divers. Il est question de lampadaires en passant.",
            override=OPEN,
        )
        for n in range(30)
    ]
    old = make_mail(
        subject="Lampadaires éteints, lampadaires cassés",
        destination_entity=org.voirie,
        arrival_date=datetime.date(2024, 1, 5),
        text="Les lampadaires de la rue sont éteints ; deux lampadaires sont cassés.",
        override=OPEN,
    )
    rebuild()
    results = search(agent, SearchQuery(text="lampadaires"), page_size=10)
    assert (results.total, results.exact) == (31, True)
    assert results.hits[0].mail_id == old.pk
    assert {h.mail_id for h in results.hits[1:]} <= {m.pk for m in recent}
    assert ">lampadaires</mark>" in results.hits[0].snippet
    by_date = search(agent, SearchQuery(text="lampadaires", sort="arrival"), page=4, page_size=10)
    assert [h.mail_id for h in by_date.hits] == [recent[-1].pk]  # 31st of 31, oldest first


@pytest.mark.django_db(transaction=True)
def test_one_transaction_is_one_index_commit_whatever_it_changed(org, clerk, settings):
    """whoosh: the mails a transaction changed are indexed together after it commits, in one
    commit of the index (capture registers, stores renditions and notes in one transaction)."""
    from django.db import transaction

    from courrier.services.mail import Registration, register_mail
    from indexing.whoosh_backend import open_index

    settings.BANNETTE_SEARCH_BACKEND = "whoosh"
    found(clerk, text="rien")  # the index exists
    before = open_index().latest_generation()
    with transaction.atomic():
        first = register_mail(actor=clerk, registration=Registration(subject="Arbre tombé"))
        add_note(actor=clerk, mail=first, text="Un platane bloque la rue.")
        second = register_mail(actor=clerk, registration=Registration(subject="Chien errant"))
        assert open_index().latest_generation() == before  # nothing before the commit
    assert open_index().latest_generation() == before + 1
    assert found(clerk, text="platane") == [first.pk]
    assert found(clerk, text="errant") == [second.pk]
    with pytest.raises(RuntimeError), transaction.atomic():
        register_mail(actor=clerk, registration=Registration(subject="Annulé"))
        raise RuntimeError("rolled back")
    assert open_index().latest_generation() == before + 1 and found(clerk, text="annulé") == []
