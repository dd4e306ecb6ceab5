"""Merging a .docx template (docxtpl over python-docx), and checking one at upload."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import jinja2
from django.utils.translation import gettext as _
from docx.shared import RGBColor
from docxtpl import DocxTemplate

from templates_office.catalogue import SIGNATURE_MARKER, sample_context


class TemplateProblem(ValueError):
    """A template that cannot be merged, with a message for the administrator."""


def _environment() -> jinja2.Environment:
    # StrictUndefined: a misspelt field is an error at upload, not a blank in a letter.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def merge(template: bytes, context: dict[str, Any]) -> bytes:
    """The template with its fields filled in, as .docx bytes."""
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, jinja_env=_environment())
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(
            _("Syntax error in the template (line %(line)s): %(message)s")
            % {"line": exc.lineno, "message": exc.message}
        ) from exc
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(
            _("Unknown merge field: %(message)s") % {"message": exc.message}
        ) from exc
    except (KeyError, ValueError, OSError) as exc:  # not a .docx (zip without word/document.xml…)
        raise TemplateProblem(_("This file is not a readable .docx document.")) from exc
    _hide_signature_marker(document.docx)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def check_template(template: bytes) -> None:
    """Raise TemplateProblem when the template would not merge with the documented fields."""
    if not zipfile.is_zipfile(io.BytesIO(template)):
        raise TemplateProblem(_("This file is not a readable .docx document."))
    merge(template, sample_context())


def _hide_signature_marker(document: Any) -> None:
    """The placeholder stays in the text (signing finds it there) but prints white."""
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(cell.paragraphs)
    for paragraph in paragraphs:
        for run in paragraph.runs:
            if SIGNATURE_MARKER in run.text:
                run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
