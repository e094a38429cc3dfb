"""Deployment files generated from the services' own declarations.

NATS users and their permissions, Kubernetes manifests, the AsyncAPI documents
and the Grafana dashboards follow the code: which subjects a service publishes, which durable consumers it
reads, which streams it touches. ``./terrain deploy write`` regenerates them;
``./terrain deploy check`` (and the test suite) fails when they are stale.
"""
