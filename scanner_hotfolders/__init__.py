"""Watched folders: scanner shares and parapheur return folders."""
