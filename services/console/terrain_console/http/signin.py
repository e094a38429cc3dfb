"""Sign in (email and password, throttled), sign out, and the home page."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ..domain import signin
from ..handlers import accounts
from .pages import FORM_COOKIE, SESSION_COOKIE, Posted, Signed, context_of, render, see_other

router = APIRouter(tags=["sign-in"])


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never //elsewhere or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/inbox"


def _form(request: Request, status_code: int = 200, **values: object) -> Response:
    token = request.cookies.get(FORM_COOKIE) or signin.new_secret()
    response = render(request, "signin.html", status_code, form_token=token, **values)
    settings = context_of(request).settings.sign_in
    response.set_cookie(
        FORM_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies, max_age=3600
    )
    return response


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    return _form(request, next=_safe_next(next))


@router.post("/sign-in")
async def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    form_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/inbox",
) -> Response:
    target = _safe_next(next)
    if not signin.same(form_token, request.cookies.get(FORM_COOKIE)):
        return _form(request, 403, next=target, email=email, problem="The form expired: sign in again.")
    errors = {k: "Required." for k, v in (("email", email.strip()), ("password", password)) if not v}
    if errors:
        return _form(request, 422, next=target, email=email, errors=errors)
    client = request.client.host if request.client else "unknown"
    try:
        signed = await accounts.sign_in(context_of(request), email, password, client)
    except accounts.SignInRefused as refusal:
        return _form(
            request, 429 if refusal.throttled else 401, next=target, email=email, problem=refusal.message
        )
    response = see_other(target)
    settings = context_of(request).settings.sign_in
    response.set_cookie(
        SESSION_COOKIE,
        signed.cookie,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=int(settings.session_hours * 3600),
    )
    response.delete_cookie(FORM_COOKIE)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: Posted) -> Response:
    await accounts.sign_out(context_of(request), request.cookies.get(SESSION_COOKIE))
    response = see_other("/sign-in")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
async def home(session: Signed) -> Response:
    return see_other("/inbox")
