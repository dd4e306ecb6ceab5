"""State changes of the mail core. Each service writes one journal event in its transaction."""
