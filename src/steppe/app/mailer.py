"""How drivers' mail leaves: through the SMTP server of the settings, or, with none set, into
the log (a development server then shows its confirmation links there)."""

from __future__ import annotations

import email.utils
import logging
from email.message import EmailMessage

import aiosmtplib

from steppe.config import Settings
from steppe.domain.drivers.mail import Mailer
from steppe.domain.drivers.models import Letter

log = logging.getLogger("steppe.mail")


def message_of(sender: str, to_address: str, letter: Letter) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to_address
    message["Subject"] = letter.subject
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2].strip(">"))
    message.set_content(letter.text)
    if letter.html:
        message.add_alternative(letter.html, subtype="html")
    return message


class SmtpMailer:
    """Sends each mail in its own SMTP session (mail to drivers is rare enough)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self._settings = settings

    async def send(self, to_address: str, letter: Letter) -> None:
        s = self._settings
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        await aiosmtplib.send(
            message_of(s.mail_from, to_address, letter),
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=password,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            timeout=s.smtp_timeout,
        )


class LogMailer:
    """No mail server: each mail is written to the log, whole."""

    async def send(self, to_address: str, letter: Letter) -> None:
        log.info(
            "mail to %s (no STEPPE_SMTP_HOST set): %s\n%s", to_address, letter.subject, letter.text
        )


def mailer(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.smtp_host else LogMailer()
