"""Pure rules of the console: sign-in throttling, sessions, forms. No I/O, no framework imports."""
