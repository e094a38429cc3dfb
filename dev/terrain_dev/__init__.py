"""Developer tooling: local stack, demo scenario, test fixtures, benchmarks."""
