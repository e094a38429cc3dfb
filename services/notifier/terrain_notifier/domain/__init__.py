"""Pure rules of the notifier: routing, policies, messages, the circuit breaker. No I/O, no frameworks."""
