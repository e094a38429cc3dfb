"""HTTP routes of the insights service (every route needs an API key with a role)."""

from .insights import router as insights_router
from .taxonomy import router as taxonomy_router

ROUTERS = [taxonomy_router, insights_router]
