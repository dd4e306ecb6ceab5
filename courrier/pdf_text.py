"""Text in the PDFs Bannette makes (evidence, certificates, reports). reportlab reads a
Paragraph's text as markup: a closing comment with "<", an attachment named "<b>piece.pdf" or a
name with "&" would break the document or change its look. Every paragraph is made here, its
text escaped: what people typed is printed as they typed it."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate


def text_paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph printing `text` as it is, markup characters included."""
    return Paragraph(escape(str(text)), style)


def build_pdf(
    story: list[Flowable],
    *,
    title: str,
    pagesize: tuple[float, float] = A4,
    margins: tuple[float, float] = (15 * mm, 15 * mm),  # left and right, top and bottom
) -> bytes:
    """A PDF of the story, titled, authored by Bannette."""
    side, edge = margins
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        title=title,
        author="Bannette",
        leftMargin=side,
        rightMargin=side,
        topMargin=edge,
        bottomMargin=edge,
    ).build(story)
    return buffer.getvalue()
