"""What every page shares: templates, who is signed in, the CSRF check, and refusals shown as pages."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ..domain import pages, signin
from ..handlers import accounts
from ..handlers.context import Context
from ..handlers.services import Refused, Services, Unavailable

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
TEMPLATES.env.globals.update(money=pages.money, query=pages.query)
SESSION_COOKIE = "terrain_console_session"
FORM_COOKIE = "terrain_console_form"  # double-submit token of the sign-in form (no session yet)


class NotSignedIn(Exception):
    def __init__(self, path: str) -> None:
        self.path = path


class BadForm(Exception):
    """A form without its CSRF token (or with another session's): refused with 403, nothing done."""


def context_of(request: Request) -> Context:
    return request.app.state.context


def services_of(request: Request) -> Services:
    return request.app.state.services


async def signed_in(request: Request) -> signin.Session:
    session = await accounts.session_of(context_of(request), request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise NotSignedIn(request.url.path)
    request.state.session = session
    return session


async def csrf_checked(
    session: Annotated[signin.Session, Depends(signed_in)], csrf: Annotated[str, Form()] = ""
) -> signin.Session:
    if not signin.same(csrf, session.csrf):
        raise BadForm()
    return session


Signed = Annotated[signin.Session, Depends(signed_in)]
Posted = Annotated[signin.Session, Depends(csrf_checked)]
Calls = Annotated[Services, Depends(services_of)]


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    values.setdefault("session", session)
    values.setdefault("csrf", session.csrf if session else "")
    return TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def not_signed_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotSignedIn)  # registered for it
    return see_other("/sign-in" + pages.query({}, next=exc.path if exc.path != "/" else None))


async def bad_form(request: Request, exc: Exception) -> Response:
    return render(
        request,
        "error.html",
        403,
        title="Form expired",
        message="This form was not sent from your current session (its security token is missing or old). "
        "Open the page again and resubmit.",
    )


async def refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)  # registered for it
    titles = {
        401: "Not accepted",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict",
        412: "Changed meanwhile",
    }
    return render(
        request,
        "error.html",
        exc.status,
        title=titles.get(exc.status, "Refused"),
        message=f"The {exc.service} service refused this ({exc.status}): {exc.detail}",
        errors=exc.errors,
    )


async def unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Unavailable)  # registered for it
    return render(
        request,
        "error.html",
        503,
        title="Service unavailable",
        message=f"The {exc.service} service is unavailable ({exc.reason}). Try again in a moment.",
    )


HANDLERS = {NotSignedIn: not_signed_in, BadForm: bad_form, Refused: refused, Unavailable: unavailable}
