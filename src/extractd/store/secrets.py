"""Document passwords at rest: sealed with the server key, a Fernet key (AES-128-CBC + HMAC-SHA256).

The key is made on first start (``extractd serve``/``worker``, or the first job that needs it) and kept
in the database table ``server_keys``, which no endpoint reads. It lives in the database rather than in
a file of the data dir because the database is the one thing every API node and worker machine of a
scaled-out deployment share. So a job row, an API response, a log line or an export of the ``jobs``
table never holds a password in clear; the job's sealed copy is erased when the job ends.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.exc import IntegrityError

from extractd.store.db import SessionFactory, transaction
from extractd.store.models import ServerKey, utcnow

DOCUMENT_PASSWORD_KEY = "document-passwords"


class SecretUnreadable(Exception):
    """A sealed secret that the server key cannot open (the key was replaced, or the value damaged)."""


def server_key(sessions: SessionFactory, name: str = DOCUMENT_PASSWORD_KEY) -> bytes:
    """The server key of this name, made (once, whoever comes first) if the database has none yet."""
    with transaction(sessions) as session:
        row = session.get(ServerKey, name)
        if row is not None:
            return row.key.encode()
    try:
        with transaction(sessions) as session:
            session.add(ServerKey(name=name, key=Fernet.generate_key().decode(), created_at=utcnow()))
    except IntegrityError:
        pass  # another process made it at the same moment: use theirs
    with transaction(sessions) as session:
        row = session.get(ServerKey, name)
        assert row is not None
        return row.key.encode()


def seal(sessions: SessionFactory, secret: str) -> str:
    return Fernet(server_key(sessions)).encrypt(secret.encode()).decode()


def unseal(sessions: SessionFactory, sealed: str) -> str:
    try:
        return Fernet(server_key(sessions)).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("the sealed secret does not open with the server key") from exc
