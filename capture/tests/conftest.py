from __future__ import annotations

import pytest

from courrier.tests.factories import DocumentTypeFactory


@pytest.fixture
def doctypes(db):
    return {
        code: DocumentTypeFactory.create(code=code, label=code.capitalize(), delay_days=15)
        for code in ("signalement", "reclamation", "facture")
    }
