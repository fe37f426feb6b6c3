"""Read an upload from a create request: multipart (`file` part), or JSON with base64 / a data: URL.

The size limit is enforced while the body streams in, never after buffering all of it: a declared
Content-Length over the limit is refused at once, and the bytes are counted as they arrive.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from extractd.api.v1 import bounds
from extractd.domain.errors import (
    EmptyFile,
    FileTooLarge,
    InvalidBase64,
    UnsupportedMediaType,
    ValidationFailed,
)
from extractd.services.jobs import Upload

# Room for the form fields and multipart framing around the file.
MULTIPART_OVERHEAD = 1024 * 1024
# Room for the other JSON fields around the base64 text.
JSON_OVERHEAD = 64 * 1024
DEFAULT_FILENAME = "document"
_DATA_URL = re.compile(
    r"data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[\w.+-]+=[^;,]*)*);base64,", re.ASCII
)
_WHITESPACE = re.compile(rb"\s+")


@dataclass(frozen=True)
class RawCreateRequest:
    """The upload plus the untyped fields, ready for ``job_fields.from_form`` / ``from_json``."""

    upload: Upload
    form_fields: dict[str, str] | None = None  # multipart
    json_fields: dict[str, Any] | None = None  # JSON


def _too_large(max_bytes: int) -> FileTooLarge:
    return FileTooLarge(f"The file is larger than the upload limit of {max_bytes // (1024 * 1024)} MB.")


def check_declared_length(request: Request, limit: int, max_bytes: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large(max_bytes)


async def limited_stream(request: Request, limit: int, max_bytes: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(max_bytes)
        yield chunk


async def read_raw_body(request: Request, max_bytes: int) -> bytes:
    """A body that is the file itself (a PUT to an upload URL), counted against the limit as it streams."""
    check_declared_length(request, max_bytes, max_bytes)
    body = bytearray()
    async for chunk in limited_stream(request, max_bytes, max_bytes):
        body.extend(chunk)
    return bytes(body)


async def read_create_request(request: Request, max_bytes: int) -> RawCreateRequest:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        return await _read_multipart(request, max_bytes)
    if media_type == "application/json" or media_type.endswith("+json"):
        return await _read_json(request, max_bytes)
    raise UnsupportedMediaType()


async def _read_multipart(request: Request, max_bytes: int) -> RawCreateRequest:
    limit = max_bytes + MULTIPART_OVERHEAD
    check_declared_length(request, limit, max_bytes)
    parser = MultiPartParser(
        request.headers, limited_stream(request, limit, max_bytes), max_files=5, max_fields=50
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ValidationFailed(f"Malformed multipart body: {exc.message}") from exc
    try:
        return await _from_form(form.multi_items(), max_bytes)
    finally:
        await form.close()


async def _from_form(items: list[tuple[str, str | UploadFile]], max_bytes: int) -> RawCreateRequest:
    fields: dict[str, str] = {}
    files: list[UploadFile] = []
    for name, value in items:
        if name in fields or (name == "file" and files):
            raise ValidationFailed(f"The field {name} is given more than once.")
        if isinstance(value, UploadFile):
            if name != "file":
                raise ValidationFailed(f"Only `file` may be a file part, not {name}.")
            files.append(value)
        elif name == "file":
            raise ValidationFailed("`file` must be a file part (or send JSON with base64).")
        else:
            fields[name] = value
    if not files:
        raise ValidationFailed("The request needs a `file`.")
    upload_file = files[0]
    if upload_file.size is not None and upload_file.size > max_bytes:
        raise _too_large(max_bytes)
    content = await upload_file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _too_large(max_bytes)
    bounds.check_form(fields, upload_file.filename)
    filename = (upload_file.filename or "").strip() or DEFAULT_FILENAME
    return RawCreateRequest(upload=Upload(content=content, filename=filename), form_fields=fields)


async def _read_json(request: Request, max_bytes: int) -> RawCreateRequest:
    limit = (max_bytes + 2) // 3 * 4 + JSON_OVERHEAD
    check_declared_length(request, limit, max_bytes)
    body = bytearray()
    async for chunk in limited_stream(request, limit, max_bytes):
        body.extend(chunk)
    # Up to ~67 MB of base64 to measure and parse: off the event loop, which serves everyone else.
    data = await run_in_threadpool(bounds.loads, body, ("file",))
    if not isinstance(data, dict):
        raise ValidationFailed("The JSON body must be an object.")
    encoded = data.pop("file", None)
    filename = data.pop("filename", None)
    if encoded is None:
        raise ValidationFailed("The request needs a `file` (base64 or a data: URL).")
    if not isinstance(encoded, str):
        raise ValidationFailed("`file` must be a base64 string or a data: URL.")
    if filename is not None and (not isinstance(filename, str) or len(filename) > 500):
        raise ValidationFailed("`filename` must be a string of at most 500 characters.")
    content = decode_base64_file(encoded, max_bytes)
    upload = Upload(content=content, filename=(filename or "").strip() or DEFAULT_FILENAME)
    return RawCreateRequest(upload=upload, json_fields=data)


def decode_base64_file(encoded: str, max_bytes: int) -> bytes:
    """Bytes from base64 text or a ``data:<type>;base64,…`` URL (INVALID_BASE64, EMPTY_FILE, …)."""
    text = encoded.strip()
    if text.startswith("data:"):
        match = _DATA_URL.match(text)
        if match is None:
            raise InvalidBase64("A data: URL must be base64-encoded (data:<type>;base64,<data>).")
        text = text[match.end() :]
    try:
        compact = _WHITESPACE.sub(b"", text.encode("ascii"))
    except UnicodeEncodeError as exc:
        raise InvalidBase64() from exc
    if not compact:
        raise EmptyFile()
    if len(compact) // 4 * 3 > max_bytes + 3:
        raise _too_large(max_bytes)
    try:
        content = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidBase64() from exc
    if len(content) > max_bytes:
        raise _too_large(max_bytes)
    if not content:
        raise EmptyFile()
    return content
