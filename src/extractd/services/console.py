"""Sign-in sessions of the web console: a signed token naming an API key, kept in a cookie.

A session token is ``<key id>.<expiry (unix seconds)>.<signature>``, signed with HMAC-SHA256 under a key
derived from the stored hash of that API key. So no new secret has to be configured or shared between
API nodes (they share the database), a forged or altered token fails, and revoking the key ends its
sessions at once: every request looks the key up and refuses a revoked one. The token is not the key:
a leaked cookie reveals no key and dies with its expiry.

The CSRF token of a session is derived from the session token, which only the browser holding the
HttpOnly cookie has; forms carry it and every POST checks it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from extractd.domain.errors import Unauthorized
from extractd.services.keys import Caller, caller_for_key_id, caller_for_secret, hash_key
from extractd.store.db import SessionFactory

SESSION_TTL_S = 12 * 3600


@dataclass(frozen=True)
class ConsoleSession:
    caller: Caller
    token: str

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.token)


def _signature(key_hash: str, payload: str) -> str:
    mac = hmac.new(f"extractd-console-session:{key_hash}".encode(), payload.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def sign_in(sessions: SessionFactory, secret: str, now: float | None = None) -> ConsoleSession:
    """A session for the API key ``secret``; Unauthorized when it is not an active key."""
    secret = secret.strip()
    if not secret:
        raise Unauthorized()
    with sessions() as session:
        caller = caller_for_secret(session, secret)
    assert caller.key_id is not None
    expires = int((now if now is not None else time.time()) + SESSION_TTL_S)
    payload = f"{caller.key_id}.{expires}"
    return ConsoleSession(caller, f"{payload}.{_signature(hash_key(secret), payload)}")


def resume(sessions: SessionFactory, token: str | None, now: float | None = None) -> ConsoleSession | None:
    """The session a cookie's token stands for, or None (missing, forged, expired, key revoked)."""
    if not token or token.count(".") != 2:
        return None
    key_id, expires, signature = token.split(".")
    if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
        return None
    with sessions() as session:
        found = _key(session, key_id)
    if found is None:
        return None
    caller, key_hash = found
    if not hmac.compare_digest(signature, _signature(key_hash, f"{key_id}.{expires}")):
        return None
    return ConsoleSession(caller, token)


def _key(session: Session, key_id: str) -> tuple[Caller, str] | None:
    try:
        return caller_for_key_id(session, key_id)
    except Unauthorized:
        return None


def csrf_token(session_token: str) -> str:
    digest = hashlib.sha256(f"extractd-console-csrf:{session_token}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_ok(session: ConsoleSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, str(submitted))
