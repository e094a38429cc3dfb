"""HTTP routers of the initiatives service, same shape as the subscribers: parse, call a handler."""

from . import ballots, dependencies, evidence, initiatives, kpis, measurements, planning, teams, tracker

ROUTERS = (
    teams.router,
    initiatives.router,
    evidence.router,
    dependencies.router,
    planning.router,
    ballots.router,
    tracker.router,
    measurements.router,
    kpis.router,
)
