"""Everything drivers use, as one field of `Services`: accounts, what they hold, charging from
the phone, their data, the mail outbox and the receipts worker, and the public station map."""

from __future__ import annotations

from dataclasses import dataclass

from steppe.domain.drivers.accounts import DriverAccounts
from steppe.domain.drivers.charging import DriverCharging
from steppe.domain.drivers.directory import StationDirectory
from steppe.domain.drivers.mail import MailOutbox
from steppe.domain.drivers.privacy import DriverData
from steppe.domain.drivers.profile import DriverProfile
from steppe.domain.drivers.receipts import ReceiptMailer


@dataclass(frozen=True, slots=True)
class DriverServices:
    accounts: DriverAccounts
    profile: DriverProfile
    charging: DriverCharging
    data: DriverData
    directory: StationDirectory
    mail: MailOutbox  # background: sends queued mail
    receipts: ReceiptMailer  # background: queues each new CDR's receipt for its driver
