"""Suggestions: administrators' rules, a model learned from qualified mail, known senders."""

from __future__ import annotations

import pytest

from capture.classify import LearnedClassifier, suggest
from capture.models import ClassificationRule
from courrier.models import Contact, MailStatus
from courrier.tests.factories import make_mail

pytestmark = pytest.mark.django_db

EXAMPLES = {
    ("facture", "FIN"): [
        "Facture numéro {n} montant hors taxes TVA à régler sous trente jours",
        "Veuillez trouver notre facture {n}, règlement par virement, TVA incluse",
    ],
    ("signalement", "VOIR"): [
        "Nid-de-poule dangereux sur la chaussée rue {n}, trottoir abîmé",
        "Lampadaire tombé sur la chaussée, voirie à réparer rue {n}",
    ],
    ("reclamation", "URBA"): [
        "Permis de construire refusé, je conteste le plan local d'urbanisme {n}",
        "Déclaration préalable de travaux, clôture et urbanisme parcelle {n}",
    ],
}


@pytest.fixture
def qualified(org, doctypes):
    entities = {
        "FIN": org.vasso.__class__.objects.create(code="FIN", label="Finances"),
        "VOIR": org.voirie,
        "URBA": org.urbanisme,
    }
    for (doctype, entity), texts in EXAMPLES.items():
        for n in range(4):
            for text in texts:
                make_mail(
                    text=text.format(n=n),
                    document_type=doctypes[doctype],
                    destination_entity=entities[entity],
                    override={"status": MailStatus.IN_PROGRESS},
                )


def test_learned_suggestions_follow_what_clerks_qualified(qualified):
    found = suggest("Bonjour, ci-joint la facture 2026-77, TVA 20 %, à régler par virement.")
    assert found["document_type"]["code"] == "facture" and found["entity"]["code"] == "FIN"
    assert found["document_type"]["source"] == "learned"
    assert 0.34 < found["document_type"]["confidence"] <= 1
    other = suggest("Un nid-de-poule sur la chaussée de la rue Haute")
    assert (other["document_type"]["code"], other["entity"]["code"]) == ("signalement", "VOIR")


def test_the_model_is_retrained_when_qualified_mail_changes(qualified, doctypes, org):
    first = LearnedClassifier._model
    suggest("facture")
    trained = LearnedClassifier._model
    assert trained is not first
    suggest("facture TVA")
    assert LearnedClassifier._model is trained  # nothing changed: the same model serves
    make_mail(
        text="Inscription à la cantine scolaire",
        document_type=doctypes["reclamation"],
        destination_entity=org.vasso,
        override={"status": MailStatus.IN_PROGRESS},
    )
    suggest("facture")
    assert LearnedClassifier._model is not trained


def test_an_administrators_rule_beats_the_learned_guess(qualified, doctypes, org):
    ClassificationRule.objects.create(
        label="Factures de voirie",
        pattern="ÉCLAIRAGE public",
        document_type=doctypes["signalement"],
        entity=org.voirie,
    )
    found = suggest("Facture TVA pour l'eclairage public du mois de mars")
    assert found["document_type"] == {
        "code": "signalement",
        "confidence": 1.0,
        "source": "rule",
        "label": "Signalement",
    }
    assert found["entity"]["code"] == "VOIR"


def test_without_enough_history_there_is_no_guess(org):
    assert suggest("Facture TVA") == {}


def test_a_known_sender_is_recognised_by_the_address_in_the_text(org):
    contact = Contact.objects.create(
        kind="person",
        last_name="Garcia",
        email="ines@example.net",
        normalized_email="ines@example.net",
    )
    found = suggest("Répondre à Ines.Garcia : ines@example.net, merci")
    assert found["sender"]["contact"] == contact.pk
