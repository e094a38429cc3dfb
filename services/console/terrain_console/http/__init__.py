"""The console's pages; each router is one workflow."""

from . import admin, ballots, feedback, inbox, initiatives, signin

ROUTERS = (signin.router, inbox.router, initiatives.router, ballots.router, feedback.router, admin.router)
