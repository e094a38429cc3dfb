"""Bulk import of CSV and JSONL exports."""
