"""Command-line entry points: the offline ``terrain-classify`` and ``terrain-cluster`` (``offline``) and
``terrain-insights replay`` (``replay``)."""
