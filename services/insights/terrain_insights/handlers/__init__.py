"""Use cases of the insights service: async functions taking a unit of work and plain values."""
