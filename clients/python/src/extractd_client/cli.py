"""The ``extractd-client`` command: ``submit`` (batch extraction) and ``mcp`` (an MCP server on stdio).

The server and key come from ``--url``/``--api-key`` or ``EXTRACTD_URL``/``EXTRACTD_API_KEY``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from extractd_client.aio import AsyncClient
from extractd_client.batch import Progress, done_files, submit
from extractd_client.operations import JobOptions


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="extractd-client", description=__doc__)
    parser.add_argument("--url", help="the extractd server (env EXTRACTD_URL; default http://127.0.0.1:8000)")
    parser.add_argument("--api-key", help="an API key of the environment (env EXTRACTD_API_KEY)")
    commands = parser.add_subparsers(dest="command", required=True)

    batch = commands.add_parser("submit", help="extract many files, one JSON line per file (resumable)")
    batch.add_argument("files", nargs="+", type=Path, metavar="FILE")
    batch.add_argument("--template", help="template name (or use --filter)")
    batch.add_argument("--filter", help="filter name: each document goes to its best template")
    batch.add_argument("--concurrency", type=int, default=4, help="files in flight at once (default 4)")
    batch.add_argument(
        "--out", type=Path, help="JSON Lines file; a rerun skips files already in it (default: stdout)"
    )
    batch.add_argument("--document-review", type=int, metavar="N", help="hold fields under N%% for review")
    batch.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for each job (600)")

    commands.add_parser("mcp", help="serve the MCP tools over stdio (needs the `mcp` extra)")
    return parser


async def _submit(args: argparse.Namespace, out: IO[str], skip: set[Path]) -> dict[str, int]:
    options = JobOptions(template=args.template, filter=args.filter, document_review=args.document_review)
    todo = [path for path in args.files if path.resolve() not in skip]
    async with AsyncClient(args.url, args.api_key) as client:
        return await submit(
            client,
            args.files,
            options,
            out,
            concurrency=args.concurrency,
            timeout=args.timeout,
            skip=skip,
            progress=Progress(len(todo)),
        )


def run_submit(args: argparse.Namespace) -> int:
    if not (args.template or args.filter):
        print("extractd-client submit: name a --template or a --filter", file=sys.stderr)
        return 2
    skip = done_files(args.out) if args.out else set()
    if skip:
        print(f"resuming: {len(skip)} files already in {args.out}", file=sys.stderr)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(args.out.open("a", encoding="utf-8")) if args.out else sys.stdout
        counts = asyncio.run(_submit(args, out, skip))
    print("  ".join(f"{name} {count}" for name, count in sorted(counts.items()) if count), file=sys.stderr)
    # 1: some files only failed transiently and have no line yet; run the same command again.
    return 1 if counts.get("retry later") else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "submit":
        try:
            return run_submit(args)
        except KeyboardInterrupt:
            print("interrupted: run the same command again to go on", file=sys.stderr)
            return 130
    from extractd_client.mcp_server import serve  # the optional `mcp` dependency, only for this command

    serve(args.url, args.api_key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
