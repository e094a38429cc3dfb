"""The console's pages; each router is one workflow."""

from . import admin, ballots, dependencies, feedback, inbox, initiatives, kpis, reps, signin

ROUTERS = (
    signin.router,
    inbox.router,
    initiatives.router,
    dependencies.router,
    ballots.router,
    feedback.router,
    reps.router,
    kpis.router,
    admin.router,
)
