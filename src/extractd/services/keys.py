"""Environments and API keys. A key is shown once, at creation; only its sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from extractd.domain.errors import ApiKeyNotFound, EnvironmentNotFound, Unauthorized, ValidationFailed
from extractd.store.repositories import api_keys, environments

KEY_PREFIX = "exd_"
SHOWN_PREFIX_LENGTH = 12  # "exd_" + 8 characters: enough to tell keys apart in `keys list`


@dataclass(frozen=True)
class Caller:
    """Who is calling: the environment the presented key belongs to, and that key's id."""

    environment_id: str
    environment_name: str
    key_id: str | None = None


@dataclass(frozen=True)
class NewKey:
    id: str
    environment_name: str
    secret: str  # the only time the whole key exists outside the client


@dataclass(frozen=True)
class KeyInfo:
    id: str
    prefix: str
    environment_name: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    session: Session, environment_name: str, name: str = "", create_environment: bool = True
) -> NewKey:
    """A new key for the environment (created first when missing and allowed)."""
    environment = environments.get_by_name(session, environment_name)
    if environment is None:
        if not create_environment:
            raise EnvironmentNotFound(f"No environment named {environment_name!r}.")
        if not environment_name.strip() or len(environment_name) > 100:
            raise ValidationFailed("An environment name needs 1 to 100 characters.")
        environment = environments.create(session, environment_name)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = api_keys.create(session, environment.id, secret[:SHOWN_PREFIX_LENGTH], hash_key(secret), name)
    return NewKey(id=row.id, environment_name=environment.name, secret=secret)


def list_keys(session: Session, environment_name: str | None = None) -> list[KeyInfo]:
    environment_id = None
    if environment_name is not None:
        environment = environments.get_by_name(session, environment_name)
        if environment is None:
            raise EnvironmentNotFound(f"No environment named {environment_name!r}.")
        environment_id = environment.id
    return [
        KeyInfo(key.id, key.prefix, env.name, key.name, key.created_at, key.revoked_at)
        for key, env in api_keys.list_with_environments(session, environment_id)
    ]


def revoke_key(session: Session, id_or_prefix: str) -> KeyInfo:
    """Revoke the key with this id (or this shown prefix, when exactly one key has it)."""
    matches = api_keys.find_by_id_or_prefix(session, id_or_prefix)
    if len(matches) != 1:
        raise ApiKeyNotFound(
            "No such API key." if not matches else "Several keys share this prefix; give the key id."
        )
    key = matches[0]
    api_keys.revoke(session, key, datetime.now(UTC))
    environment = environments.get(session, key.environment_id)
    return KeyInfo(
        key.id, key.prefix, environment.name if environment else "", key.name, key.created_at, key.revoked_at
    )


# Both dialects accept both schemes: a key is a key of an environment, whichever API a client speaks.
AUTH_SCHEMES = frozenset({"api-key", "bearer"})


def parse_authorization(header: str | None) -> str:
    """The key from ``Authorization: api-key <key>`` or ``Bearer <key>``; Unauthorized for anything else."""
    if not header:
        raise Unauthorized()
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() not in AUTH_SCHEMES or not secret.strip():
        raise Unauthorized()
    return secret.strip()


def authenticate(session: Session, authorization: str | None) -> Caller:
    return caller_for_secret(session, parse_authorization(authorization))


def caller_for_secret(session: Session, secret: str) -> Caller:
    """The caller a whole key stands for; Unauthorized when it is unknown or revoked."""
    key = api_keys.find_active(session, hash_key(secret))
    if key is None:
        raise Unauthorized()
    return _caller(session, key.environment_id, key.id)


def caller_for_key_id(session: Session, key_id: str) -> tuple[Caller, str]:
    """The caller of an active key known by id, and the key's stored hash (a console session is signed
    with it); Unauthorized when the key is unknown or revoked."""
    key = api_keys.get_active(session, key_id)
    if key is None:
        raise Unauthorized()
    return _caller(session, key.environment_id, key.id), key.key_hash


def _caller(session: Session, environment_id: str, key_id: str) -> Caller:
    environment = environments.get(session, environment_id)
    if environment is None:
        raise Unauthorized()
    return Caller(environment_id=environment.id, environment_name=environment.name, key_id=key_id)
