"""Background tasks the service runs beside its consumers: the feedback mailbox."""
