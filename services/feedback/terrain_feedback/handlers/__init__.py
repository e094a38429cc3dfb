"""Use cases of the feedback service: async functions taking the unit of work first.

Every intake path (JetStream, webhooks, import) goes through :func:`intake.ingest`; the decisions are
``domain``'s, the reads and writes ``store``'s.
"""
