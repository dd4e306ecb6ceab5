"""How letters and notices name the organisation."""

from __future__ import annotations


def test_the_organisation_starts_a_sentence_with_its_article():
    from courrier.legal_mentions import organisation_subject

    assert organisation_subject("Mairie de Villedieu", "La") == "La mairie de Villedieu"
    assert organisation_subject("Agglomération du Val", "L'") == "L'agglomération du Val"
    assert organisation_subject("SIVOM du Val", "Le") == "Le SIVOM du Val"
    assert organisation_subject("Villedieu-Métropole", "") == "Villedieu-Métropole"
