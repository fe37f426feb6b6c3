"""Annotated dependencies: the service context, a database session, and the caller's environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from extractd.logging import note_environment
from extractd.services.context import ServiceContext
from extractd.services.keys import Caller, authenticate

# Documents the scheme in /openapi.json; the value is checked by `authenticate`, not here.
api_key_header = APIKeyHeader(
    name="Authorization",
    scheme_name="ApiKey",
    description="`api-key <key>` or `Bearer <key>`, on both dialects (create a key with "
    "`extractd keys create --environment NAME`).",
    auto_error=False,
)


def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


Context = Annotated[ServiceContext, Depends(get_context)]


def get_session(context: Context) -> Iterator[Session]:
    """A session for one request: committed when the endpoint returns, rolled back when it raises."""
    with context.sessions() as session, session.begin():
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def get_caller(context: Context, authorization: Annotated[str | None, Security(api_key_header)]) -> Caller:
    with context.sessions() as session:
        caller = authenticate(session, authorization)
    note_environment(caller.environment_name)  # the request's log records name its environment
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]
