"""The drivers' services, made with what they need (a part of `build_services`)."""

from __future__ import annotations

from datetime import timedelta

from steppe.app.mailer import mailer
from steppe.config import Settings
from steppe.domain.commands.service import CommandService
from steppe.domain.drivers.accounts import DriverAccounts, DriverRules
from steppe.domain.drivers.charging import DriverCharging
from steppe.domain.drivers.directory import StationDirectory
from steppe.domain.drivers.mail import MailOutbox
from steppe.domain.drivers.privacy import DriverData
from steppe.domain.drivers.profile import DriverProfile
from steppe.domain.drivers.receipts import ReceiptMailer
from steppe.domain.drivers.service import DriverServices
from steppe.domain.events import EventBus
from steppe.domain.ports import Clock, CommandSender
from steppe.domain.vehicles.service import VehicleGuide
from steppe.storage.db import Database
from steppe.web.driver.letters import PageLetters


def driver_rules(settings: Settings) -> DriverRules:
    return DriverRules(
        hash_cost=settings.driver_password_hash_cost,
        session_idle=timedelta(days=settings.driver_session_days),
    )


def build_drivers(
    settings: Settings,
    db: Database,
    clock: Clock,
    bus: EventBus,
    connections: CommandSender,
    commands: CommandService,
    vehicles: VehicleGuide,
) -> DriverServices:
    letters = PageLetters()
    mail = MailOutbox(db, clock, mailer(settings))
    profile = DriverProfile(db, clock, vehicles.catalogue)
    return DriverServices(
        accounts=DriverAccounts(db, clock, mail, letters, driver_rules(settings)),
        profile=profile,
        charging=DriverCharging(db, clock, commands, connections, vehicles, profile),
        data=DriverData(db, clock),
        directory=StationDirectory(db, clock, connections),
        mail=mail,
        receipts=ReceiptMailer(db, clock, bus, mail, letters, public_url=settings.public_url),
    )
