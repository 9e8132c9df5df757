"""Steppe's objects in OCPI 2.2.1's shape: Location/EVSE/Connector, Tariff, Session, CDR.

Field lengths follow the specification (strings are cut, never sent too long); money is a
number with the currency's decimals; energy is kWh and time hours; times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from steppe.domain.cdrs.models import Cdr, Cost
from steppe.domain.roaming import ids
from steppe.domain.roaming.catalogue import RoamingSession, Site
from steppe.domain.stations.models import Connector
from steppe.domain.tariffs.models import Tariff
from steppe.ocpi.envelope import utc
from steppe.types import JsonObject, TransactionStatus

ALPHA3 = {
    "KZ": "KAZ",
    "RU": "RUS",
    "KG": "KGZ",
    "UZ": "UZB",
    "TJ": "TJK",
    "TM": "TKM",
    "CN": "CHN",
    "BY": "BLR",
    "AM": "ARM",
    "AZ": "AZE",
    "GE": "GEO",
    "MN": "MNG",
    "TR": "TUR",
    "DE": "DEU",
    "NL": "NLD",
    "FR": "FRA",
    "GB": "GBR",
    "US": "USA",
    "AE": "ARE",
    "UA": "UKR",
    "PL": "POL",
}
# OCPP connector status -> OCPI EVSE status (the busiest of an EVSE's connectors wins).
STATUS = {
    "Available": "AVAILABLE",
    "Preparing": "CHARGING",
    "Charging": "CHARGING",
    "SuspendedEV": "CHARGING",
    "SuspendedEVSE": "CHARGING",
    "Finishing": "CHARGING",
    "Occupied": "CHARGING",
    "Reserved": "RESERVED",
    "Unavailable": "INOPERATIVE",
    "Faulted": "OUTOFORDER",
}
RANK = ["UNKNOWN", "AVAILABLE", "RESERVED", "CHARGING", "BLOCKED", "INOPERATIVE", "OUTOFORDER"]
# Nominal voltages per power type (line to neutral for AC, as OCPI asks); DC by standard.
AC_VOLTS = 230
DC_VOLTS = {"GBT_DC": 750, "CHADEMO": 500}
DEFAULT_DC_VOLTS = 920
CURRENCY_PLACES = {"KZT": 2, "RUB": 2, "KGS": 2, "UZS": 2, "EUR": 2, "USD": 2}


@dataclass(frozen=True, slots=True)
class Party:
    country_code: str
    party_id: str


def cut(value: str | None, limit: int) -> str | None:
    return None if value is None else value[:limit]


def money(value: Decimal, currency: str) -> float:
    places = CURRENCY_PLACES.get(currency, 2)
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def number(value: Decimal | float | int, places: int = 4) -> float:
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def evse_status(connectors: list[Connector]) -> str:
    found = [STATUS.get(c.status or "", "UNKNOWN") for c in connectors]
    return max(found, key=RANK.index) if found else "UNKNOWN"


def connector_json(site: Site, c: Connector, fallback: datetime | None) -> JsonObject:
    power_type = c.power_type or (
        "DC"
        if c.standard in ("GBT_DC", "CHADEMO") or (c.standard or "").endswith("COMBO")
        else "AC_3_PHASE"
    )
    kw = Decimal(c.max_power_kw or "0")
    if power_type == "DC":
        volts = DC_VOLTS.get(c.standard or "", DEFAULT_DC_VOLTS)
        amps = kw * 1000 / volts
    else:
        volts = AC_VOLTS
        phases = 3 if power_type == "AC_3_PHASE" else 1
        amps = kw * 1000 / (volts * phases)
    out: JsonObject = {
        "id": str(c.connector_id),
        "standard": c.standard,
        "format": c.format or "SOCKET",
        "power_type": power_type,
        "max_voltage": volts,
        "max_amperage": int(amps.to_integral_value(rounding=ROUND_HALF_UP)),
        "max_electric_power": int(kw * 1000),
        "last_updated": utc(c.status_at or fallback),
    }
    tariff_ids = site.tariffs_of(c.evse_id)
    if tariff_ids:
        out["tariff_ids"] = tariff_ids
    return out


def evses_json(site: Site, party: Party) -> list[JsonObject]:
    by_evse: dict[int, list[Connector]] = {}
    for c in site.connectors:
        if c.evse_id > 0:
            by_evse.setdefault(c.evse_id, []).append(c)
    station_id = site.station.id
    out = []
    for evse_id, connectors in sorted(by_evse.items()):
        published = [c for c in connectors if c.standard]
        if not published:
            continue
        changed = [c.status_at for c in connectors if c.status_at is not None]
        if not changed and site.last_updated is not None:
            changed = [site.last_updated]
        out.append(
            {
                "uid": ids.evse_uid(station_id, evse_id),
                "evse_id": ids.emi3_evse_id(
                    party.country_code, party.party_id, station_id, evse_id
                ),
                "status": evse_status(connectors),
                "capabilities": ["REMOTE_START_STOP_CAPABLE", "RFID_READER", "UNLOCK_CAPABLE"],
                "connectors": [connector_json(site, c, site.last_updated) for c in published],
                "physical_reference": str(evse_id),
                "last_updated": utc(max(changed) if changed else None),
            }
        )
    return out


def location_json(site: Site, party: Party) -> JsonObject:
    s = site.station
    name = s.name or s.id
    return {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": ids.location_id(s.id),
        "publish": True,
        "name": cut(name, 255),
        "address": cut(s.address or name, 45),
        "city": cut(s.city or "-", 45),
        "country": ALPHA3.get((s.country or "").upper(), "KAZ"),
        "coordinates": {"latitude": _coordinate(s.latitude), "longitude": _coordinate(s.longitude)},
        "evses": evses_json(site, party),
        "time_zone": s.time_zone or "Asia/Almaty",
        "last_updated": utc(site.last_updated or s.updated_at),
    }


def evse_patch(site: Site, evse_id: int) -> JsonObject:
    connectors = [c for c in site.connectors if c.evse_id == evse_id]
    changed = [c.status_at for c in connectors if c.status_at]
    return {
        "status": evse_status(connectors),
        "last_updated": utc(max(changed) if changed else site.last_updated),
    }


def _coordinate(value: str | None) -> str:
    number_ = Decimal(value or "0")
    return format(number_.quantize(Decimal("0.000001")), "f")


def tariff_json(tariff: Tariff, party: Party) -> JsonObject:
    raw = tariff.as_dict()
    out: JsonObject = {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": tariff.id,
        "currency": tariff.currency,
        "elements": [_element(e) for e in raw["elements"]],
        "last_updated": utc(tariff.last_updated),
    }
    if tariff.type is not None:
        out["type"] = tariff.type.value
    if tariff.tariff_alt_text:
        out["tariff_alt_text"] = [dict(t) for t in tariff.tariff_alt_text]
    for name in ("min_price", "max_price"):
        price = raw.get(name)
        if price:
            out[name] = {k: float(Decimal(v)) for k, v in price.items() if v is not None}
    if tariff.start_date_time is not None:
        out["start_date_time"] = utc(tariff.start_date_time)
    if tariff.end_date_time is not None:
        out["end_date_time"] = utc(tariff.end_date_time)
    return out


def _element(element: dict[str, Any]) -> JsonObject:
    components = []
    for c in element["price_components"]:
        component: JsonObject = {
            "type": c["type"],
            "price": float(Decimal(c["price"])),
            "step_size": c["step_size"],
        }
        if c.get("vat") is not None:
            component["vat"] = float(Decimal(c["vat"]))
        components.append(component)
    out: JsonObject = {"price_components": components}
    restrictions = element.get("restrictions")
    if restrictions:
        out["restrictions"] = {
            k: (
                float(Decimal(v))
                if k.startswith(("min_", "max_")) and k not in ("min_duration", "max_duration")
                else v
            )
            for k, v in restrictions.items()
        }
    return out


def session_json(rs: RoamingSession, party: Party, cost: Cost | None, currency: str) -> JsonObject:
    tx = rs.transaction
    completed = tx.status is TransactionStatus.COMPLETED
    energy = tx.energy_wh if completed else None
    if energy is None and tx.meter_last_wh is not None and tx.meter_start_wh is not None:
        energy = tx.meter_last_wh - tx.meter_start_wh
    out: JsonObject = {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": ids.session_id(tx.pk),
        "start_date_time": utc(tx.started_at or tx.updated_at),
        "kwh": number(Decimal(max(energy or 0, 0)) / 1000),
        "cdr_token": _cdr_token(rs),
        "auth_method": rs.auth_method or "WHITELIST",
        "location_id": ids.location_id(tx.station_id),
        "evse_uid": ids.evse_uid(tx.station_id, tx.evse_id),
        "connector_id": str(tx.connector_id or 1),
        "currency": cost.currency if cost is not None else currency,
        "status": "COMPLETED" if completed else "ACTIVE",
        "last_updated": utc(tx.updated_at),
    }
    if rs.reference:
        out["authorization_reference"] = rs.reference
    if completed and tx.stopped_at is not None:
        out["end_date_time"] = utc(tx.stopped_at)
    if cost is not None:
        out["total_cost"] = {
            "excl_vat": money(cost.excl_vat, cost.currency),
            "incl_vat": money(cost.incl_vat, cost.currency),
        }
    return out


def session_patch(full: JsonObject) -> JsonObject:
    """The fields that move during a session, for a PATCH."""
    keep = ("kwh", "status", "total_cost", "end_date_time", "last_updated")
    return {k: full[k] for k in keep if k in full}


def _cdr_token(rs: RoamingSession) -> JsonObject:
    if rs.token is not None:
        return rs.token.cdr_token
    uid = rs.transaction.id_token or "UNKNOWN"
    return {
        "country_code": "XX",
        "party_id": "XXX",
        "uid": uid[:36],
        "type": "OTHER",
        "contract_id": uid[:36],
    }


def cdr_json(cdr: Cdr, rs: RoamingSession, site: Site | None, party: Party) -> JsonObject:
    tx = rs.transaction
    costing = cdr.body.get("costing", {})
    currency = cdr.cost.currency
    station = site.station if site is not None else None
    connector = next(
        (
            c
            for c in (site.connectors if site else ())
            if c.evse_id == tx.evse_id and c.connector_id == (tx.connector_id or 1)
        ),
        None,
    )
    energy_kwh = Decimal(costing.get("energy_wh", tx.energy_wh or 0)) / 1000
    seconds = Decimal(str((cdr.stopped_at - cdr.started_at).total_seconds()))
    parking = Decimal(costing.get("parking_seconds", "0"))
    periods = []
    for period in costing.get("periods", []):
        start = datetime.fromisoformat(period["start"])
        end = datetime.fromisoformat(period["end"])
        hours = Decimal(str((end - start).total_seconds())) / 3600
        dims = [{"type": "ENERGY", "volume": number(Decimal(period["energy_wh"]) / 1000)}]
        dims.append(
            {"type": "TIME" if period["charging"] else "PARKING_TIME", "volume": number(hours)}
        )
        periods.append(
            {"start_date_time": utc(start), "dimensions": dims, "tariff_id": cdr.tariff_id}
        )
    if not periods:
        periods.append(
            {
                "start_date_time": utc(cdr.started_at),
                "dimensions": [{"type": "ENERGY", "volume": number(energy_kwh)}],
            }
        )
    name = (station.name if station else None) or tx.station_id
    out: JsonObject = {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": cdr.id[:39],
        "start_date_time": utc(cdr.started_at),
        "end_date_time": utc(cdr.stopped_at),
        "session_id": ids.session_id(tx.pk),
        "cdr_token": _cdr_token(rs),
        "auth_method": rs.auth_method or "WHITELIST",
        "cdr_location": {
            "id": ids.location_id(tx.station_id),
            "name": cut(name, 255),
            "address": cut((station.address if station else None) or name, 45),
            "city": cut((station.city if station else None) or "-", 45),
            "country": ALPHA3.get(((station.country if station else None) or "").upper(), "KAZ"),
            "coordinates": {
                "latitude": _coordinate(station.latitude if station else None),
                "longitude": _coordinate(station.longitude if station else None),
            },
            "evse_uid": ids.evse_uid(tx.station_id, tx.evse_id),
            "evse_id": ids.emi3_evse_id(
                party.country_code, party.party_id, tx.station_id, tx.evse_id
            ),
            "connector_id": str(tx.connector_id or 1),
            "connector_standard": (connector.standard if connector else None) or "IEC_62196_T2",
            "connector_format": (connector.format if connector else None) or "SOCKET",
            "connector_power_type": (connector.power_type if connector else None) or "AC_3_PHASE",
        },
        "currency": currency,
        "charging_periods": periods,
        "total_cost": {
            "excl_vat": money(cdr.cost.excl_vat, currency),
            "incl_vat": money(cdr.cost.incl_vat, currency),
        },
        "total_energy": number(energy_kwh),
        "total_time": number(seconds / 3600),
        "total_parking_time": number(parking / 3600),
        "last_updated": utc(cdr.created_at),
    }
    if rs.reference:
        out["authorization_reference"] = rs.reference
    if cdr.body.get("tariff"):
        tariff = Tariff.from_dict(cdr.body["tariff"])
        out["tariffs"] = [tariff_json(tariff, party) | {"last_updated": utc(cdr.created_at)}]
    for total in costing.get("dimensions", []):
        field = {
            "ENERGY": "total_energy_cost",
            "TIME": "total_time_cost",
            "PARKING_TIME": "total_parking_cost",
            "FLAT": "total_fixed_cost",
        }.get(total["type"])
        if field:
            out[field] = {
                "excl_vat": money(Decimal(total["excl_vat"]), currency),
                "incl_vat": money(Decimal(total["incl_vat"]), currency),
            }
    return out
