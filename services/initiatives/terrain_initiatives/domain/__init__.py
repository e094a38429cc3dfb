"""Pure rules of the initiatives service: no I/O, no framework imports."""
