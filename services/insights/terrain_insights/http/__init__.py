"""HTTP routes of the insights service (every route needs an API key with a role)."""

from fastapi import Request
from terrain_kit.service import Service

from ..handlers.context import Context


def service(request: Request) -> Service:
    return request.app.state.service


def context(request: Request) -> Context:
    return request.app.state.insights
