"""The notifier's HTTP API: rules, dry-run, preferences, subscriptions, inbox, deliveries, loops."""

from . import deliveries, inbox, members, rules

ROUTERS = [rules.router, members.router, inbox.router, deliveries.router]
