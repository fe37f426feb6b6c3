"""First start: an empty database gets the environment `default` and one API key, shown once, and the
server key that seals document passwords (``store.secrets``)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from extractd.services.keys import create_key
from extractd.store.db import SessionFactory, transaction
from extractd.store.repositories import environments
from extractd.store.secrets import server_key

DEFAULT_ENVIRONMENT = "default"


def bootstrap(sessions: SessionFactory) -> str | None:
    """Return a new key for `default` when the database has no environment yet, else None."""
    server_key(sessions)
    try:
        with transaction(sessions) as session:
            if environments.count(session) > 0:
                return None
            return create_key(session, DEFAULT_ENVIRONMENT, name="bootstrap").secret
    except IntegrityError:
        # Another process bootstrapped the same database at the same moment; it prints the key.
        return None
