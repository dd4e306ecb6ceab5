"""Web views of the mail core, one module per screen family."""
