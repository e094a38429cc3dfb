"""The notifier's background work: the dispatcher on every replica, digests and escalations on one replica
at a time (under a lease), and the rules file applied at start-up."""

from terrain_kit.service import Service

from ..domain.rules import Rules
from ..handlers import rules
from ..handlers.context import Context
from . import periodic
from .dispatcher import Dispatcher
from .periodic import Task


def background(context: Context, dispatcher: Dispatcher, rules_file: tuple[Rules, str] | None) -> list[Task]:
    return [
        rules_file_applier(context, rules_file),
        dispatcher.run,
        periodic.under_lease("digests", periodic.send_digests, context),
        periodic.under_lease("escalations", periodic.escalate, context),
    ]


def rules_file_applier(context: Context, rules_file: tuple[Rules, str] | None) -> Task:
    """Applies the (already validated) rules file unless this very file was applied before."""

    async def apply_rules_file(service: Service) -> None:
        if rules_file is not None:
            parsed, file_hash = rules_file
            await service.transactions.run(
                lambda uow: rules.apply_file(uow, parsed, file_hash, context.now())
            )

    return apply_rules_file
