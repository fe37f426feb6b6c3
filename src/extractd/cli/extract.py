"""`extractd extract FILE…`: run the engine on local files, no server and no database.

One file: the result `data` object as pretty JSON. Several: one compact JSON object per line (JSON
Lines), with a progress bar on stderr. A file that fails becomes, in JSON Lines mode, a line
`{"originalName", "error": {"code", "message"}}` so one bad file does not lose the others' results;
the exit code is then 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from extractd.cli.app import app
from extractd.domain.errors import ExtractdError, InvalidTemplate, TemplateNotFound
from extractd.domain.templates import Template, parse_template

if TYPE_CHECKING:  # the engine (and rich) load when `extract` runs, not for every command
    from extractd.engine import EngineOptions


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _template(name: str | None, template_file: Path | None) -> Template:
    if name is not None and template_file is not None:
        raise _fail("give either --template or --template-file, not both")
    if template_file is not None:
        try:
            return parse_template(json.loads(template_file.read_text("utf-8")))
        except OSError as exc:
            raise _fail(f"cannot read {template_file}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise _fail(f"{template_file} is not valid JSON: {exc}") from exc
        except InvalidTemplate as exc:
            raise _fail(exc.message) from exc
    from extractd.engine.fields import builtin_templates

    templates = builtin_templates()
    chosen = name or "invoice"
    if chosen not in templates:
        known = ", ".join(sorted(templates))
        raise _fail(f"{TemplateNotFound.__doc__} `{chosen}` (built-in templates: {known})")
    return templates[chosen]


def _run_one(path: Path, template: Template, options: EngineOptions) -> dict[str, Any]:
    """The result for one file; raises OSError when it cannot be read, ExtractdError when it is bad."""
    from extractd.engine import extract

    return extract(path.read_bytes(), template, filename=path.name, options=options)


def _error_line(path: Path, code: str, message: str) -> dict[str, Any]:
    return {"originalName": path.name, "error": {"code": code, "message": message}}


def _run_many(files: list[Path], template: Template, options: EngineOptions, out: TextIO) -> bool:
    """JSON Lines to `out`, a progress bar on stderr; True when every file succeeded."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    all_ok = True
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    console = Console(stderr=True)
    with Progress(*columns, console=console, transient=False, redirect_stdout=False) as bar:
        overall = bar.add_task("files", total=len(files))
        for path in files:
            bar.update(overall, description=path.name)
            try:
                line: dict[str, Any] = _run_one(path, template, options)
            except ExtractdError as error:
                all_ok = False
                line = _error_line(path, error.code, error.message)
            except OSError as exc:
                all_ok = False
                line = _error_line(path, "FILE_NOT_READABLE", f"cannot read {path}: {exc.strerror}")
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
            bar.advance(overall)
    return all_ok


@app.command("extract")
def extract_command(
    files: Annotated[list[Path], typer.Argument(help="Documents to read (PDF, image, DOCX, text, XML).")],
    template: Annotated[
        str | None,
        typer.Option("--template", "-t", help="A built-in template: invoice (default) or receipt."),
    ] = None,
    template_file: Annotated[
        Path | None, typer.Option("--template-file", help="A template JSON file (DESIGN.md §5 format).")
    ] = None,
    password: Annotated[str | None, typer.Option("--password", help="Password of encrypted PDFs.")] = None,
    text: Annotated[bool, typer.Option("--text", help="Add each document's text (returnedText).")] = False,
    split: Annotated[bool, typer.Option("--split", help="Split files into documents.")] = False,
    einvoice: Annotated[
        bool,
        typer.Option(
            "--einvoice/--no-einvoice",
            envvar="EXTRACTD_EINVOICE",
            help="Read embedded ZUGFeRD/Factur-X/UBL XML first [env: EXTRACTD_EINVOICE].",
        ),
    ] = True,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the JSON here instead of stdout.")
    ] = None,
) -> None:
    """Extract fields from local files with the built-in engine; prints JSON (JSON Lines for several)."""
    chosen = _template(template, template_file)
    from extractd.engine import EngineOptions

    options = EngineOptions(password=password, return_text=text, document_splitting=split, einvoice=einvoice)
    try:
        stream = out.open("w", encoding="utf-8") if out is not None else None
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror}") from exc
    target: TextIO = stream if stream is not None else typer.get_text_stream("stdout")
    try:
        if len(files) == 1:
            try:
                data = _run_one(files[0], chosen, options)
            except ExtractdError as error:
                raise _fail(f"{files[0]}: {error.message} ({error.code})") from error
            except OSError as exc:
                raise _fail(f"cannot read {files[0]}: {exc.strerror}") from exc
            target.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        elif not _run_many(files, chosen, options, target):
            raise typer.Exit(1)
    finally:
        if stream is not None:
            stream.close()
