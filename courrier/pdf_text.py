"""Text in the PDFs Bannette makes (evidence, certificates, reports). reportlab reads a
Paragraph's text as markup: a closing comment with "<", an attachment named "<b>piece.pdf" or a
name with "&" would break the document or change its look. Every paragraph is made here, its
text escaped: what people typed is printed as they typed it."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph


def text_paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph printing `text` as it is, markup characters included."""
    return Paragraph(escape(str(text)), style)
