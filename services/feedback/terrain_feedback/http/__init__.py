"""HTTP routers of the feedback service, same shape as the subscribers: parse, call a handler."""

from . import accounts, erasures, items, webhooks

ROUTERS = [items.router, accounts.router, erasures.router, webhooks.router]
