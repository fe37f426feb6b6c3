"""Console sessions over a real SQLite file: signed for one key, refused once forged, expired or revoked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import prepare_database, settings_for

from extractd.domain.errors import Unauthorized
from extractd.services import console
from extractd.services.keys import create_key, revoke_key
from extractd.store.db import SessionFactory, create_db_engine, make_session_factory, transaction


@pytest.fixture()
def sessions(tmp_path: Path) -> Iterator[SessionFactory]:
    settings = settings_for(tmp_path / "data")
    prepare_database(settings)
    engine = create_db_engine(settings)
    yield make_session_factory(engine)
    engine.dispose()


def test_a_session_names_its_key_and_environment(sessions: SessionFactory) -> None:
    with transaction(sessions) as session:
        key = create_key(session, "team-a")
        create_key(session, "team-b")
    signed = console.sign_in(sessions, key.secret)
    assert key.secret not in signed.token
    resumed = console.resume(sessions, signed.token)
    assert resumed is not None
    assert (resumed.caller.environment_name, resumed.caller.key_id) == ("team-a", key.id)
    assert console.csrf_ok(resumed, signed.csrf_token)
    assert not console.csrf_ok(resumed, "")
    assert not console.csrf_ok(resumed, console.csrf_token(signed.token + "x"))


def test_forged_expired_and_revoked_sessions_are_refused(sessions: SessionFactory) -> None:
    with transaction(sessions) as session:
        key = create_key(session, "team-a")
        other = create_key(session, "team-b")
    token = console.sign_in(sessions, key.secret).token
    key_id, expires, signature = token.split(".")
    assert console.resume(sessions, f"{other.id}.{expires}.{signature}") is None  # another key's id
    assert console.resume(sessions, f"{key_id}.{int(expires) + 3600}.{signature}") is None  # stretched
    altered = signature[:-1] + ("B" if signature.endswith("A") else "A")
    assert console.resume(sessions, f"{key_id}.{expires}.{altered}") is None
    assert console.resume(sessions, "garbage") is None
    assert console.resume(sessions, token, now=time.time() + console.SESSION_TTL_S + 1) is None
    with pytest.raises(Unauthorized):
        console.sign_in(sessions, "exd_not-a-key")
    with transaction(sessions) as session:
        revoke_key(session, key.id)
    assert console.resume(sessions, token) is None
