"""Composition root: settings -> service (broker, MongoDB, consumers, relay) -> HTTP app."""

from fastapi import FastAPI

from terrain_contracts.events import initiative, team
from terrain_kit.http import create_app
from terrain_kit.service import Service
from terrain_kit.service import run as serve

from .settings import InitiativesSettings

PUBLISHES = (initiative.InitiativeCreated, team.TeamCreated,)


def create(settings: InitiativesSettings | None = None) -> FastAPI:
    settings = settings or InitiativesSettings()
    service = Service("initiatives", settings, publishes=PUBLISHES)
    return create_app(service, title="Terrain initiatives",
                      description="Product Initiative Briefings, teams and ownership, dependencies, quarterly alignment and the directors' vote.")


def run() -> None:
    settings = InitiativesSettings()
    serve(create(settings), settings)
