"""Console metrics: latency per page (route template, never an id), sign-ins, calls to the services."""

from prometheus_client import Counter, Histogram

PAGE_SECONDS = Histogram(
    "console_page_seconds",
    "Server time to answer a console page, by route template and method.",
    ["method", "page", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0),
)
SIGN_INS = Counter("console_sign_ins_total", "Sign-in attempts by outcome.", ["outcome"])
SERVICE_CALLS = Histogram(
    "console_service_call_seconds",
    "Calls from the console to a service, by service and outcome (ok, refused, failed).",
    ["service", "outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
