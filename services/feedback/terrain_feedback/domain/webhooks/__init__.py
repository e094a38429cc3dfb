"""Signed webhooks from Sales/CS tools: verify, map to the contract, ingest."""
