"""Opinions, visa circuits, signatures and the parapheur connector."""
