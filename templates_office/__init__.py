"""Office (.docx) reply templates, merge and conversion to PDF."""
