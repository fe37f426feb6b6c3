"""`extractd keys create | list | revoke`: API keys of an environment, against the --data-dir database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from extractd.cli.app import DataDirOption, app, build_settings
from extractd.domain.errors import ExtractdError

if TYPE_CHECKING:
    from extractd.store.db import SessionFactory

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

EnvironmentOption = Annotated[str, typer.Option("--environment", "-e", help="Environment name.")]


def _sessions(data_dir: DataDirOption) -> SessionFactory:
    # SQLAlchemy and Alembic load only for the keys commands, not for every `extractd` command.
    from extractd.store.db import create_db_engine, make_session_factory
    from extractd.store.migrate import upgrade_to_head

    settings = build_settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_to_head(settings)
    return make_session_factory(create_db_engine(settings))


def _fail(error: ExtractdError) -> typer.Exit:
    typer.echo(f"error: {error.message}", err=True)
    return typer.Exit(1)


@keys_app.command("create")
def create(
    environment: EnvironmentOption,
    name: Annotated[str, typer.Option("--name", help="A label shown in `keys list`.")] = "",
    data_dir: DataDirOption = None,
) -> None:
    """Create a key (and the environment, when it is new). The key is the last line of the output."""
    from extractd.services.keys import create_key
    from extractd.store.db import transaction

    try:
        with transaction(_sessions(data_dir)) as session:
            new_key = create_key(session, environment, name=name)
    except ExtractdError as error:
        raise _fail(error) from error
    typer.echo(f"Created API key {new_key.id} for environment {new_key.environment_name!r}.", err=True)
    typer.echo("It is shown only once; store it now.", err=True)
    typer.echo(new_key.secret)


@keys_app.command("list")
def list_keys(
    environment: Annotated[
        str | None, typer.Option("--environment", "-e", help="Only this environment.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """List keys: id, shown prefix, environment, name, created, revoked."""
    from extractd.services.keys import list_keys as list_key_infos
    from extractd.store.db import transaction

    try:
        with transaction(_sessions(data_dir)) as session:
            infos = list_key_infos(session, environment)
    except ExtractdError as error:
        raise _fail(error) from error
    for info in infos:
        revoked = info.revoked_at.isoformat() if info.revoked_at else "active"
        typer.echo(
            f"{info.id}\t{info.prefix}…\t{info.environment_name}\t{info.name or '-'}\t"
            f"{info.created_at.isoformat()}\t{revoked}"
        )


@keys_app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id (or its shown prefix).")],
    data_dir: DataDirOption = None,
) -> None:
    """Revoke a key: requests with it answer 401 from now on."""
    from extractd.services.keys import revoke_key
    from extractd.store.db import transaction

    try:
        with transaction(_sessions(data_dir)) as session:
            info = revoke_key(session, key)
    except ExtractdError as error:
        raise _fail(error) from error
    typer.echo(f"Revoked {info.id} ({info.prefix}…) of environment {info.environment_name!r}.")
