"""A driver's receipt, read from a CDR, and the worker that mails it once the CDR is made.

The receipt shows what the CDR billed: the station, start and end in the station's zone, the
energy, each tariff period (consecutive priced periods with the same prices are one period: the
day rate, then the night rate), the session fee, VAT by rate and the totals, which are the
CDR's own. A CDR of a transaction started with a token of a confirmed account is due a receipt
by mail; `ReceiptMailer` notes it and queues the mail in one commit, so a restart neither loses
nor repeats one. It looks when a transaction ends (the CDR follows within moments) and every
minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from steppe.domain.cdrs.models import Cdr
from steppe.domain.drivers.letters import Letters
from steppe.domain.drivers.mail import MailOutbox
from steppe.domain.drivers.models import MailKind
from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.domain.tariffs.currencies import round_money
from steppe.storage.db import Database
from steppe.storage.repositories import cdrs as cdrs_repo
from steppe.storage.repositories import driver_mail as mail_repo
from steppe.storage.repositories import drivers as repo
from steppe.storage.repositories import stations as stations_repo

log = logging.getLogger("steppe.mail")
LOOK_BACK = timedelta(days=7)  # CDRs older than this are not mailed any more
POLL_S = 60.0
AFTER_END_S = (0.3, 1.0, 3.0, 10.0, 30.0)  # looks after a transaction ends
PAGE = 50
UNIT = {"ENERGY": Decimal(1000), "TIME": Decimal(3600), "PARKING_TIME": Decimal(3600)}


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One kind of charge: ENERGY per kWh, TIME and PARKING_TIME per hour, FLAT once."""

    dimension: str
    price: Decimal  # excl. VAT, per kWh, per hour or once
    quantity: Decimal  # kWh, hours or 1
    vat: Decimal | None
    excl_vat: Decimal  # exact, rounded only in the totals


@dataclass(frozen=True, slots=True)
class ReceiptPeriod:
    start: datetime
    end: datetime
    energy_wh: Decimal
    lines: tuple[ReceiptLine, ...]

    @property
    def excl_vat(self) -> Decimal:
        return sum((line.excl_vat for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class VatLine:
    rate: Decimal | None  # None: no VAT rate known for the place
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal


@dataclass(frozen=True, slots=True)
class Receipt:
    cdr_id: str
    transaction_pk: int
    transaction_id: str
    station_id: str
    station_name: str | None
    address: str | None
    city: str | None
    time_zone: str
    started_at: datetime
    stopped_at: datetime
    energy_wh: Decimal
    currency: str
    tariff_id: str | None
    periods: tuple[ReceiptPeriod, ...]
    fees: tuple[ReceiptLine, ...]
    vat_lines: tuple[VatLine, ...]
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    clamped_by: str | None

    @property
    def duration_seconds(self) -> float:
        return (self.stopped_at - self.started_at).total_seconds()


def _line(charge: dict[str, Any]) -> ReceiptLine:
    dimension = str(charge["type"])
    quantity = Decimal(str(charge["quantity"]))
    return ReceiptLine(
        dimension=dimension,
        price=Decimal(str(charge["price"])),
        quantity=quantity / UNIT[dimension] if dimension in UNIT else Decimal(1),
        vat=None if charge.get("vat") is None else Decimal(str(charge["vat"])),
        excl_vat=Decimal(str(charge["excl_vat"])),
    )


def _merge(
    lines: tuple[ReceiptLine, ...], more: tuple[ReceiptLine, ...]
) -> tuple[ReceiptLine, ...]:
    return tuple(
        ReceiptLine(a.dimension, a.price, a.quantity + b.quantity, a.vat, a.excl_vat + b.excl_vat)
        for a, b in zip(lines, more, strict=True)
    )


def receipt_of(cdr: Cdr, station: Any | None) -> Receipt:
    """The receipt of a CDR (`station`: its stations row, for the name and address)."""
    costing = cdr.body.get("costing", {})
    currency = cdr.cost.currency
    periods: list[ReceiptPeriod] = []
    keys: list[tuple[Any, ...]] = []
    fees: list[ReceiptLine] = []
    by_rate: dict[Decimal | None, list[Decimal]] = {}
    for period in costing.get("periods", []):
        lines: list[ReceiptLine] = []
        for charge in period.get("charges", []):
            line = _line(charge)
            sums = by_rate.setdefault(line.vat, [Decimal(0), Decimal(0)])
            sums[0] += line.excl_vat
            sums[1] += Decimal(str(charge["incl_vat"]))
            (fees if line.dimension == "FLAT" else lines).append(line)
        if not lines:
            continue
        key = (period.get("charging"), *((x.dimension, x.price, x.vat) for x in lines))
        start = datetime.fromisoformat(period["start"])
        end = datetime.fromisoformat(period["end"])
        energy = Decimal(str(period.get("energy_wh", "0")))
        if keys and keys[-1] == key:
            last = periods[-1]
            periods[-1] = ReceiptPeriod(
                last.start, end, last.energy_wh + energy, _merge(last.lines, tuple(lines))
            )
        else:
            periods.append(ReceiptPeriod(start, end, energy, tuple(lines)))
            keys.append(key)
    total_excl, total_incl = cdr.cost.excl_vat, cdr.cost.incl_vat
    if len(by_rate) <= 1:
        only: Decimal | None = next(iter(by_rate.keys()), None)
        vat_lines = [VatLine(only, total_excl, total_incl - total_excl, total_incl)]
    else:
        vat_lines = []
        for rate, (excl, incl) in sorted(by_rate.items(), key=lambda item: item[0] or 0):
            excl_r, incl_r = round_money(excl, currency), round_money(incl, currency)
            vat_lines.append(VatLine(rate, excl_r, incl_r - excl_r, incl_r))
    return Receipt(
        cdr_id=cdr.id,
        transaction_pk=cdr.transaction_pk,
        transaction_id=str(cdr.body.get("transaction_id", cdr.transaction_pk)),
        station_id=cdr.station_id,
        station_name=None if station is None else station["name"],
        address=None if station is None else station["address"],
        city=None if station is None else station["city"],
        time_zone=costing.get("time_zone") or "UTC",
        started_at=cdr.started_at,
        stopped_at=cdr.stopped_at,
        energy_wh=Decimal(str(costing.get("energy_wh", cdr.body.get("total_energy_wh") or 0))),
        currency=currency,
        tariff_id=cdr.tariff_id,
        periods=tuple(periods),
        fees=tuple(fees),
        vat_lines=tuple(vat_lines),
        total_excl_vat=total_excl,
        total_vat=total_incl - total_excl,
        total_incl_vat=total_incl,
        clamped_by=costing.get("clamped_by"),
    )


class ReceiptMailer:
    """Queues the receipt mail of each new CDR of a driver's charge; `run` is a background task."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        bus: EventBus,
        mail: MailOutbox,
        letters: Letters,
        *,
        public_url: str | None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._bus = bus
        self._mail = mail
        self._letters = letters
        self._public_url = public_url.rstrip("/") if public_url else None

    async def run(self) -> None:
        looks: list[float] = []
        wants = EventType.TRANSACTION_ENDED.value
        async with self._bus.subscribe(wants=lambda kind: kind == wants) as subscription:
            next_poll = time.monotonic()
            while True:
                now = time.monotonic()
                if now >= next_poll or (looks and now >= looks[0]):
                    looks = [at for at in looks if at > now]
                    next_poll = now + POLL_S
                    try:
                        await self.scan()
                    except Exception:
                        log.exception("receipts could not be queued; trying again later")
                wait = min([next_poll, *looks]) - time.monotonic()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(wait, 0.0)):
                        await subscription.queue.get()
                        start = time.monotonic()
                        looks = sorted({*looks, *(start + delay for delay in AFTER_END_S)})

    async def scan(self) -> int:
        """Queue the receipts that are due; how many."""
        async with self._db.connect() as conn:
            due = await mail_repo.awaiting_receipt(
                conn, stopped_since=self._clock.now() - LOOK_BACK, limit=PAGE
            )
        queued = 0
        for item in due:
            if await self._queue(item["cdr_id"], item["account_id"]):
                queued += 1
        if queued:
            self._mail.wake()
        return queued

    async def _queue(self, cdr_id: str, account_id: str) -> bool:
        async with self._db.begin() as conn:
            cdr_row = await cdrs_repo.get(conn, cdr_id)
            account = await repo.get(conn, account_id)
            if cdr_row is None or account is None:
                return False
            cdr = Cdr.from_row(cdr_row)
            station = await stations_repo.get(conn, cdr.station_id)
            noted = await mail_repo.add_receipt(
                conn,
                {
                    "cdr_id": cdr.id,
                    "account_id": account_id,
                    "transaction_pk": cdr.transaction_pk,
                    "created_at": self._clock.now(),
                },
            )
            if not noted:
                return False
            link = (
                f"{self._public_url}/account/sessions/{cdr.transaction_pk}/receipt"
                if self._public_url
                else None
            )
            letter = self._letters.receipt(account["language"], receipt_of(cdr, station), link)
            await self._mail.queue(
                conn,
                account_id=account_id,
                to_address=account["email"],
                kind=MailKind.RECEIPT,
                letter=letter,
            )
        return True
