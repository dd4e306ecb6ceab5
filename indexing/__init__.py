"""Full-text search backends (whoosh embedded, PostgreSQL at scale) behind one interface."""
