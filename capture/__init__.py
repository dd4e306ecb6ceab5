"""Capture: source adapters (hot folders, IMAP, web form, upload) feeding one pipeline."""
