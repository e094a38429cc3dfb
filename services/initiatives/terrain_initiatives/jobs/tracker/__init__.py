"""The delivery tracker's side of the world: its adapters (``jira``; a Linear or GitHub Issues adapter is
one more module implementing ``domain.tracker.Tracker``) and the sync worker creating issues (``sync``)."""
