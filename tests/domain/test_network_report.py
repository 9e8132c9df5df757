"""The dashboard's figures: stations by state, energy and revenue per local day, the search."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from steppe.domain.reports.service import NetworkReport, StationFilter
from steppe.storage import migrator
from steppe.storage.db import Database
from steppe.storage.tables.core import connectors, stations, transactions
from steppe.storage.tables.tariffs import cdrs


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 17:00 in Almaty


async def test_days_are_local_and_revenue_is_exact_per_currency(database_url: str) -> None:
    """A session ending at 20:30 UTC on 9 March counts on 10 March in Almaty (UTC+5); revenue
    adds up exactly per currency; a faulted connector makes its station faulted; the search
    finds by text, city and standard, and the online filter uses who is connected."""
    db = Database(database_url)
    now = Clock().now()
    try:
        await migrator.upgrade(db.engine)
        async with db.begin() as conn:
            await conn.execute(
                stations.insert(),
                [
                    {
                        "id": "A-1",
                        "registration": "accepted",
                        "name": "Abay",
                        "city": "Almaty",
                        "created_at": now,
                        "updated_at": now,
                    },
                    {
                        "id": "A-2",
                        "registration": "accepted",
                        "name": "Dostyk",
                        "city": "Almaty",
                        "created_at": now,
                        "updated_at": now,
                    },
                    {
                        "id": "M-1",
                        "name": "Tverskaya",
                        "city": "Moscow",
                        "registration": "pending",
                        "created_at": now,
                        "updated_at": now,
                    },
                ],
            )
            await conn.execute(
                connectors.insert(),
                [
                    {
                        "station_id": "A-1",
                        "evse_id": 1,
                        "connector_id": 1,
                        "status": "Faulted",
                        "standard": "GBT_DC",
                        "updated_at": now,
                    },
                    {
                        "station_id": "A-2",
                        "evse_id": 1,
                        "connector_id": 1,
                        "status": "Charging",
                        "standard": "IEC_62196_T2_COMBO",
                        "updated_at": now,
                    },
                ],
            )
            ends = [
                datetime(2026, 3, 9, 20, 30, tzinfo=UTC),  # 10 March in Almaty
                datetime(2026, 3, 9, 18, 59, tzinfo=UTC),  # 9 March 23:59 in Almaty
                datetime(2026, 3, 10, 6, 0, tzinfo=UTC),
            ]
            for pk, end in enumerate(ends, start=1):
                await conn.execute(
                    transactions.insert().values(
                        id=pk,
                        ocpp_id=str(pk),
                        station_id="A-2",
                        evse_id=1,
                        connector_id=1,
                        status="completed",
                        started_at=end,
                        stopped_at=end,
                        energy_wh=1000 * pk,
                        created_at=end,
                        updated_at=end,
                    )
                )
                await conn.execute(
                    cdrs.insert().values(
                        id=f"c{pk}",
                        transaction_pk=pk,
                        station_id="A-2",
                        currency="KZT" if pk < 3 else "RUB",
                        started_at=end,
                        stopped_at=end,
                        total_excl_vat="0.1",
                        total_incl_vat=["0.10", "0.20", "15.55"][pk - 1],
                        body="{}",
                        created_at=end,
                    )
                )
        report = NetworkReport(db, Clock())
        overview = await report.overview(frozenset({"A-2"}), "Asia/Almaty", days=3)
        assert [d.day.isoformat() for d in overview.days] == [
            "2026-03-08",
            "2026-03-09",
            "2026-03-10",
        ]
        assert [d.energy_wh for d in overview.days] == [0, 2000, 4000]
        assert overview.today.revenue == {"KZT": Decimal("0.1"), "RUB": Decimal("15.55")}
        assert overview.days[1].revenue == {"KZT": Decimal("0.2")}
        counts = overview.stations
        assert (counts.total, counts.online, counts.offline, counts.faulted, counts.pending) == (
            3,
            1,
            2,
            1,
            1,
        )
        assert overview.connectors == {"Faulted": 1, "Charging": 1}
        states = {p.station_id: p.state for p in await report.map_points(frozenset({"A-2"}))}
        assert states == {}  # none has a position
        found = await report.stations(StationFilter(text="dost"), frozenset(), offset=0, limit=10)
        assert [s.id for s in found.stations] == ["A-2"] and found.total == 1
        found = await report.stations(
            StationFilter(city="Almaty", standard="GBT_DC"), frozenset(), offset=0, limit=10
        )
        assert [s.id for s in found.stations] == ["A-1"]
        online = await report.stations(
            StationFilter(state="online"), frozenset({"A-2"}), offset=0, limit=10
        )
        offline = await report.stations(
            StationFilter(state="offline"), frozenset({"A-2"}), offset=0, limit=10
        )
        assert [s.id for s in online.stations] == ["A-2"]
        assert [s.id for s in offline.stations] == ["A-1", "M-1"] and offline.total == 2
        faulted = await report.stations(
            StationFilter(state="faulted"), frozenset(), offset=0, limit=10
        )
        assert [s.id for s in faulted.stations] == ["A-1"]
    finally:
        await db.close()
