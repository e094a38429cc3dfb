"""Background work of the initiatives service, started by the kit's Service."""
