"""Use cases of the notifier: async functions taking the unit of work first, then the :class:`Context`
(``handlers.context``) and plain values; their decisions are made in ``domain``."""
