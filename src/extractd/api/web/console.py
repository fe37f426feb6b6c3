"""The review console at /console: server-rendered pages over ``services.review`` (DESIGN.md §4a).

Sign in with an API key; the session lives in an HttpOnly, SameSite=Strict cookie scoped to /console
and shows only the key's environment. Every form carries the session's CSRF token, and a POST whose
``Origin`` names another site is refused. Not part of the JSON API (absent from /openapi.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from extractd.api.deps import Context
from extractd.api.errors import status_for
from extractd.api.web import forms
from extractd.domain.errors import ExtractdError, JobNotFound, Unauthorized
from extractd.services import console, review
from extractd.services.console import ConsoleSession

COOKIE = "extractd_console"
PREFIX = "/console"

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["tojson_compact"] = lambda value: json.dumps(value, ensure_ascii=False)
router = APIRouter(prefix=PREFIX, include_in_schema=False)


class SignInRequired(Exception):
    """No valid console session: the browser is sent to the sign-in page."""


def current_session(request: Request, context: Context) -> ConsoleSession:
    session = console.resume(context.sessions, request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired()
    return session


Signed = Annotated[ConsoleSession, Depends(current_session)]


def same_origin(request: Request, public_url: str | None) -> bool:
    """False when the browser says the form came from another site (a cross-site POST). Hosts are
    compared, not schemes, so a TLS-terminating proxy in front does not lock everyone out."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not sent by this browser: the SameSite cookie and the CSRF token still hold
    host = urlsplit(origin).netloc.lower()
    allowed = {request.headers.get("host", "").lower()}
    if public_url:
        allowed.add(urlsplit(public_url).netloc.lower())
    return bool(host) and host in allowed


def page(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    )
    return response


def see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("")
def home(request: Request, context: Context) -> Response:
    signed_in = console.resume(context.sessions, request.cookies.get(COOKIE)) is not None
    return see(f"{PREFIX}/queue" if signed_in else f"{PREFIX}/sign-in")


@router.get("/sign-in")
def sign_in_form(request: Request) -> HTMLResponse:
    return page(request, "sign_in.html")


@router.post("/sign-in")
async def sign_in(request: Request, context: Context) -> Response:
    form = await request.form()
    if not same_origin(request, context.settings.public_url):
        return page(request, "sign_in.html", 403, error="This form must be sent from the console itself.")
    try:
        session = await run_in_threadpool(console.sign_in, context.sessions, str(form.get("api_key") or ""))
    except Unauthorized:
        return page(request, "sign_in.html", 401, error="That is not an active API key.")
    response = see(f"{PREFIX}/queue")
    response.set_cookie(
        COOKIE,
        session.token,
        max_age=console.SESSION_TTL_S,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, context: Context, signed: Signed) -> Response:
    form = await request.form()
    if not _form_allowed(request, context, signed, form):
        return Response("Forbidden", status_code=403)
    response = see(f"{PREFIX}/sign-in")
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")
    return response


@router.get("/queue")
def queue(request: Request, context: Context, signed: Signed) -> HTMLResponse:
    environment_id = signed.caller.environment_id
    waiting = review.list_awaiting_review(context, environment_id)
    recent = [job for job in review.list_recent(context, environment_id) if job.status == "completed"]
    return page(request, "queue.html", session=signed, waiting=waiting, recent=recent[:20])


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, context: Context, signed: Signed) -> HTMLResponse:
    try:
        view = review.get_job_view(context, signed.caller.environment_id, job_id)
    except JobNotFound:
        return page(request, "missing.html", 404, session=signed)
    return page(request, "job.html", session=signed, **forms.job_page_values(context, view))


@router.post("/jobs/{job_id}/review")
async def decide(request: Request, job_id: str, context: Context, signed: Signed) -> Response:
    form = await request.form()
    if not _form_allowed(request, context, signed, form):
        return Response("Forbidden: the form's CSRF token does not match.", status_code=403)
    try:
        view = await run_in_threadpool(review.get_job_view, context, signed.caller.environment_id, job_id)
        decision = forms.read_decision(view, {key: _text(value) for key, value in form.items()})
        if decision.action == "reject":
            await run_in_threadpool(review.reject, context, signed.caller, job_id, decision.reason)
        else:
            await run_in_threadpool(
                review.approve, context, signed.caller, job_id, decision.corrections, decision.document
            )
    except JobNotFound:
        return page(request, "missing.html", 404, session=signed)
    except ExtractdError as error:
        view = await run_in_threadpool(review.get_job_view, context, signed.caller.environment_id, job_id)
        values = await run_in_threadpool(forms.job_page_values, context, view)
        status = status_for(error.code)
        return page(
            request,
            "job.html",
            status if status < 500 else 422,
            session=signed,
            error=error.message,
            **values,
        )
    return see(f"{PREFIX}/jobs/{job_id}")


@router.get("/jobs/{job_id}/pages/{number}.png")
def page_image(job_id: str, number: int, context: Context, signed: Signed) -> Response:
    try:
        image = review.page_image(context, signed.caller.environment_id, job_id, number)
    except ExtractdError as error:  # no such job or page, or a document that has no picture
        if status_for(error.code) >= 500:
            raise
        return Response(status_code=404)
    return Response(image.png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


def _form_allowed(request: Request, context: Context, signed: ConsoleSession, form: Any) -> bool:
    same_site = same_origin(request, context.settings.public_url)
    return same_site and console.csrf_ok(signed, _text(form.get("csrf")))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    response = see(f"{PREFIX}/sign-in")
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


def install(app: Any) -> None:
    app.include_router(router)
    app.add_exception_handler(SignInRequired, _to_sign_in)
