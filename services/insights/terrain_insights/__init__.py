"""insights service."""
