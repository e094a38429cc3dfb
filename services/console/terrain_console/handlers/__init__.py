"""Use cases: signing people in and out, and calling the services on their behalf."""
