"""The mail core: organisation, document types, mail, contacts, baskets, journal."""
