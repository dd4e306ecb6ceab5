"""Text extraction: born-digital text layer first, tesseract OCR otherwise."""
