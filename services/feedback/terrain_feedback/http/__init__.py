"""HTTP routers of the feedback service, same shape as the subscribers: parse, call a handler."""

from . import accounts, erasures, items, logged, slack, webhooks

# logged first: /v1/feedback/mine before /v1/feedback/{feedback_id}
ROUTERS = [logged.router, items.router, slack.router, accounts.router, erasures.router, webhooks.router]
