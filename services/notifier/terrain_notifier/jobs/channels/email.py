"""Email over SMTP with the standard library, in a worker thread (the event loop never blocks)."""

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from ...settings import SmtpSettings
from . import SendError


class EmailSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    @property
    def endpoint(self) -> str:
        return f"smtp://{self._settings.host}:{self._settings.port}"

    async def send(self, to: str, subject: str, text: str, notification_id: str) -> None:
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = to
        message["Subject"] = subject
        # Stable per notification: a resend after a crash threads as the same message in mail clients.
        message["Message-ID"] = make_msgid(idstring=notification_id, domain="terrain.notifier")
        message["X-Terrain-Notification-Id"] = notification_id
        message.set_content(text)
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        settings = self._settings
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
                if settings.starttls:
                    smtp.starttls()
                if settings.user:
                    smtp.login(
                        settings.user, settings.password.get_secret_value() if settings.password else ""
                    )
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise SendError(
                f"recipient refused: {exc.recipients}", retryable=all(400 <= c < 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as exc:
            detail = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else exc.smtp_error
            )
            raise SendError(f"SMTP {exc.smtp_code}: {detail}", retryable=400 <= exc.smtp_code < 500) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP connection failed: {type(exc).__name__}: {exc}", retryable=True) from None
