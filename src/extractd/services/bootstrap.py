"""First start: an empty database gets the environment `default` and one API key, shown once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from extractd.services.keys import create_key
from extractd.store.db import SessionFactory, transaction
from extractd.store.repositories import environments

DEFAULT_ENVIRONMENT = "default"


def bootstrap(sessions: SessionFactory) -> str | None:
    """Return a new key for `default` when the database has no environment yet, else None."""
    try:
        with transaction(sessions) as session:
            if environments.count(session) > 0:
                return None
            return create_key(session, DEFAULT_ENVIRONMENT, name="bootstrap").secret
    except IntegrityError:
        # Another process bootstrapped the same database at the same moment; it prints the key.
        return None
