"""Benchmarks: scripts that print their figures and the ratio to raw JetStream from the same run.

Each starts its own nats-server and Mongo-wire server on free ports in a temporary folder, so
nothing else on the machine is touched. Run one at a time on a quiet machine.
"""
