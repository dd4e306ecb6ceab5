"""Merging a .docx template (docxtpl over python-docx), and checking one at upload."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import jinja2
from django.utils.translation import gettext as _
from docx import Document
from docx.shared import RGBColor
from docxtpl import DocxTemplate

from courrier.legal_mentions import REQUIRED_MENTIONS
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


def check_template(template: bytes, *, kind: str = "") -> None:
    """Raise TemplateProblem when the template would not merge with the documented fields, or
    is an acknowledgment that lacks a mention the law requires (CRPA R112-5)."""
    if not zipfile.is_zipfile(io.BytesIO(template)):
        raise TemplateProblem(_("This file is not a readable .docx document."))
    merge(template, sample_context())
    if kind == "acknowledgment":
        missing = missing_mentions(template)
        if missing:
            raise TemplateProblem(
                _("An acknowledgment must state (CRPA R112-5): %(missing)s.")
                % {"missing": ", ".join(missing)}
            )


def missing_mentions(template: bytes) -> list[str]:
    """The R112-5 mentions an acknowledgment template does not print, as an administrator
    reads them: each mention is merged as a marker and looked for in the merged text."""
    context = sample_context()
    context["legal"] = dict(context["legal"]) | {
        name.removeprefix("legal."): f"@@{name}@@" for name in REQUIRED_MENTIONS
    }
    text = document_text(merge(template, context))
    return [str(label) for name, label in REQUIRED_MENTIONS.items() if f"@@{name}@@" not in text]


def document_text(docx: bytes) -> str:
    """Every paragraph's text: body, tables, headers and footers."""
    document = Document(io.BytesIO(docx))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        for part in (section.header, section.footer):
            parts.extend(p.text for p in part.paragraphs)
    return "\n".join(parts)


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
