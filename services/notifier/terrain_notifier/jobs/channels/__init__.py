"""Talking to the outside world: Slack and webhooks over HTTP, email over SMTP.

Only the dispatcher calls these, never a consumer (the check of configured targets,
``http.check_hosts``, is given to the use cases through the Context). Each send either returns
or raises :class:`SendError`, which says whether trying again can help.
"""


class SendError(Exception):
    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
