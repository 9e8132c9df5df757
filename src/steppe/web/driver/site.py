"""What the driver pages share: the web context, their templates and catalogues (the `driver`
gettext domain), and the short notices a redirect can ask the next page to show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from fastapi import Request

from steppe.config import Settings
from steppe.domain.services import Services
from steppe.web.context import WebContext
from steppe.web.i18n import N_
from steppe.web.templating import Pages

NOTICES: Mapping[str, str] = MappingProxyType(
    {
        "confirmed": N_("Your address is confirmed. You can charge now."),
        "signed-out": N_("You are signed out."),
        "password-changed": N_("Your password is changed. Sign in with the new one."),
        "card-added": N_("Card added."),
        "card-removed": N_("Card removed."),
        "car-added": N_("Car added."),
        "car-removed": N_("Car removed."),
        "saved": N_("Saved."),
        "mail-sent": N_("We sent you a new link. Look in your mail."),
        "deleted": N_("Your account is deleted."),
        "stop-sent": N_("The charger was asked to stop."),
        "stop-failed": N_("The charger could not be reached. Try again, or unplug at the charger."),
    }
)


@dataclass(frozen=True, slots=True)
class DriverSite:
    web: WebContext
    pages: Pages

    @property
    def notices(self) -> Mapping[str, str]:
        return NOTICES

    @property
    def services(self) -> Services:
        return self.web.services

    @property
    def settings(self) -> Settings:
        return self.web.settings

    def base_url(self, request: Request) -> str:
        """Where links in mails and QR codes point: STEPPE_PUBLIC_URL, else this request's
        own address."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        return str(request.base_url).rstrip("/")


def site(request: Request) -> DriverSite:
    found: DriverSite = request.app.state.driver
    return found
