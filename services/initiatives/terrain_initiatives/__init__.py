"""initiatives service."""
