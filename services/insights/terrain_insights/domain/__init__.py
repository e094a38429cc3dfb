"""Pure rules of the insights service: no I/O, no framework."""
