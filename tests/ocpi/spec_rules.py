"""The OCPI 2.2.1 object rules a strict eMSP checks on what a CPO sends, written from the
specification's tables: each field's presence, type, length and allowed values."""

from __future__ import annotations

import re
from typing import Any

UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
COORDINATE_LAT = re.compile(r"^-?[0-9]{1,2}\.[0-9]{5,7}$")
COORDINATE_LON = re.compile(r"^-?[0-9]{1,3}\.[0-9]{5,7}$")
CONNECTOR_TYPES = {
    "CHADEMO",
    "CHAOJI",
    "DOMESTIC_A",
    "DOMESTIC_B",
    "DOMESTIC_C",
    "DOMESTIC_D",
    "DOMESTIC_E",
    "DOMESTIC_F",
    "DOMESTIC_G",
    "DOMESTIC_H",
    "DOMESTIC_I",
    "DOMESTIC_J",
    "DOMESTIC_K",
    "DOMESTIC_L",
    "DOMESTIC_M",
    "DOMESTIC_N",
    "DOMESTIC_O",
    "GBT_AC",
    "GBT_DC",
    "IEC_60309_2_single_16",
    "IEC_60309_2_three_16",
    "IEC_60309_2_three_32",
    "IEC_60309_2_three_64",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "NEMA_5_20",
    "NEMA_6_30",
    "NEMA_6_50",
    "NEMA_10_30",
    "NEMA_10_50",
    "NEMA_14_30",
    "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP",
    "PANTOGRAPH_TOP_DOWN",
    "TESLA_R",
    "TESLA_S",
}
STATUSES = {
    "AVAILABLE",
    "BLOCKED",
    "CHARGING",
    "INOPERATIVE",
    "OUTOFORDER",
    "PLANNED",
    "REMOVED",
    "RESERVED",
    "UNKNOWN",
}
TOKEN_TYPES = {"AD_HOC_USER", "APP_USER", "OTHER", "RFID"}
AUTH_METHODS = {"AUTH_REQUEST", "COMMAND", "WHITELIST"}
SESSION_STATUSES = {"ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"}
DIMENSIONS = {
    "CURRENT",
    "ENERGY",
    "ENERGY_EXPORT",
    "ENERGY_IMPORT",
    "MAX_CURRENT",
    "MIN_CURRENT",
    "MAX_POWER",
    "MIN_POWER",
    "PARKING_TIME",
    "POWER",
    "RESERVATION",
    "RESERVATION_TIME",
    "STATE_OF_CHARGE",
    "TIME",
}
COMMAND_RESULTS = {
    "ACCEPTED",
    "CANCELED_RESERVATION",
    "EVSE_OCCUPIED",
    "EVSE_INOPERATIVE",
    "FAILED",
    "NOT_SUPPORTED",
    "REJECTED",
    "TIMEOUT",
    "UNKNOWN_RESERVATION",
}


class Checker:
    """Collects every rule a message breaks, with the path of the field."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, problem: str) -> None:
        self.problems.append(f"{path}: {problem}")

    def string(
        self,
        obj: dict[str, Any],
        name: str,
        limit: int,
        path: str,
        *,
        required: bool = True,
        choices: set[str] | None = None,
    ) -> None:
        if name not in obj or obj[name] is None:
            if required:
                self.fail(f"{path}.{name}", "missing")
            return
        value = obj[name]
        if not isinstance(value, str):
            self.fail(f"{path}.{name}", f"not a string: {value!r}")
        elif len(value) > limit:
            self.fail(f"{path}.{name}", f"longer than {limit}")
        elif choices is not None and value not in choices:
            self.fail(f"{path}.{name}", f"not one of the allowed values: {value!r}")

    def time(self, obj: dict[str, Any], name: str, path: str, *, required: bool = True) -> None:
        value = obj.get(name)
        if value is None:
            if required:
                self.fail(f"{path}.{name}", "missing")
            return
        if not isinstance(value, str) or not UTC_TIME.match(value):
            self.fail(f"{path}.{name}", f"not a UTC time with Z: {value!r}")

    def number(self, obj: dict[str, Any], name: str, path: str, *, required: bool = True) -> None:
        value = obj.get(name)
        if value is None:
            if required:
                self.fail(f"{path}.{name}", "missing")
            return
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{path}.{name}", f"not a number: {value!r}")

    def integer(self, obj: dict[str, Any], name: str, path: str, *, required: bool = True) -> None:
        value = obj.get(name)
        if value is None:
            if required:
                self.fail(f"{path}.{name}", "missing")
            return
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path}.{name}", f"not an integer: {value!r}")

    def price(self, obj: dict[str, Any], name: str, path: str, *, required: bool = True) -> None:
        value = obj.get(name)
        if value is None:
            if required:
                self.fail(f"{path}.{name}", "missing")
            return
        if not isinstance(value, dict):
            self.fail(f"{path}.{name}", "not a Price")
            return
        self.number(value, "excl_vat", f"{path}.{name}")
        self.number(value, "incl_vat", f"{path}.{name}", required=False)

    def party(self, obj: dict[str, Any], path: str, country: str, party: str) -> None:
        if obj.get("country_code") != country or obj.get("party_id") != party:
            self.fail(
                path,
                f"party {obj.get('country_code')}/{obj.get('party_id')}, "
                f"expected {country}/{party}",
            )

    # --- objects ------------------------------------------------------------------------------

    def connector(self, c: dict[str, Any], path: str) -> None:
        self.string(c, "id", 36, path)
        self.string(c, "standard", 40, path, choices=CONNECTOR_TYPES)
        self.string(c, "format", 6, path, choices={"SOCKET", "CABLE"})
        self.string(
            c,
            "power_type",
            11,
            path,
            choices={"AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"},
        )
        self.integer(c, "max_voltage", path)
        self.integer(c, "max_amperage", path)
        self.integer(c, "max_electric_power", path, required=False)
        for i, t in enumerate(c.get("tariff_ids") or []):
            if not isinstance(t, str) or len(t) > 36:
                self.fail(f"{path}.tariff_ids[{i}]", "not a string of at most 36")
        self.time(c, "last_updated", path)

    def evse(self, e: dict[str, Any], path: str) -> None:
        self.string(e, "uid", 36, path)
        self.string(e, "evse_id", 48, path, required=False)
        self.string(e, "status", 11, path, choices=STATUSES)
        connectors = e.get("connectors")
        if not isinstance(connectors, list) or not connectors:
            self.fail(f"{path}.connectors", "at least one connector is required")
        else:
            for i, c in enumerate(connectors):
                self.connector(c, f"{path}.connectors[{i}]")
        self.string(e, "physical_reference", 16, path, required=False)
        self.time(e, "last_updated", path)

    def location(self, loc: dict[str, Any], path: str, country: str, party: str) -> None:
        self.party(loc, path, country, party)
        self.string(loc, "id", 36, path)
        if not isinstance(loc.get("publish"), bool):
            self.fail(f"{path}.publish", "missing or not a boolean")
        self.string(loc, "name", 255, path, required=False)
        self.string(loc, "address", 45, path)
        self.string(loc, "city", 45, path)
        self.string(loc, "country", 3, path)
        if len(str(loc.get("country", ""))) != 3:
            self.fail(f"{path}.country", "not ISO 3166 alpha-3")
        coordinates = loc.get("coordinates")
        if not isinstance(coordinates, dict):
            self.fail(f"{path}.coordinates", "missing")
        else:
            if not COORDINATE_LAT.match(str(coordinates.get("latitude"))):
                self.fail(f"{path}.coordinates.latitude", "bad format")
            if not COORDINATE_LON.match(str(coordinates.get("longitude"))):
                self.fail(f"{path}.coordinates.longitude", "bad format")
        for i, e in enumerate(loc.get("evses") or []):
            self.evse(e, f"{path}.evses[{i}]")
        self.string(loc, "time_zone", 255, path)
        self.time(loc, "last_updated", path)

    def tariff(self, t: dict[str, Any], path: str, country: str, party: str) -> None:
        self.party(t, path, country, party)
        self.string(t, "id", 36, path)
        self.string(t, "currency", 3, path)
        elements = t.get("elements")
        if not isinstance(elements, list) or not elements:
            self.fail(f"{path}.elements", "at least one element is required")
        else:
            for i, element in enumerate(elements):
                components = element.get("price_components")
                if not isinstance(components, list) or not components:
                    self.fail(f"{path}.elements[{i}]", "no price components")
                    continue
                for j, c in enumerate(components):
                    p = f"{path}.elements[{i}].price_components[{j}]"
                    self.string(
                        c, "type", 12, p, choices={"ENERGY", "FLAT", "PARKING_TIME", "TIME"}
                    )
                    self.number(c, "price", p)
                    self.integer(c, "step_size", p)
        self.time(t, "last_updated", path)

    def cdr_token(self, tok: Any, path: str) -> None:
        if not isinstance(tok, dict):
            self.fail(path, "missing")
            return
        self.string(tok, "country_code", 2, path)
        self.string(tok, "party_id", 3, path)
        self.string(tok, "uid", 36, path)
        self.string(tok, "type", 16, path, choices=TOKEN_TYPES)
        self.string(tok, "contract_id", 36, path)

    def session(self, s: dict[str, Any], path: str, country: str, party: str) -> None:
        self.party(s, path, country, party)
        self.string(s, "id", 36, path)
        self.time(s, "start_date_time", path)
        self.time(s, "end_date_time", path, required=False)
        self.number(s, "kwh", path)
        self.cdr_token(s.get("cdr_token"), f"{path}.cdr_token")
        self.string(s, "auth_method", 12, path, choices=AUTH_METHODS)
        self.string(s, "authorization_reference", 36, path, required=False)
        self.string(s, "location_id", 36, path)
        self.string(s, "evse_uid", 36, path)
        self.string(s, "connector_id", 36, path)
        self.string(s, "currency", 3, path)
        self.price(s, "total_cost", path, required=False)
        self.string(s, "status", 11, path, choices=SESSION_STATUSES)
        self.time(s, "last_updated", path)

    def session_patch(self, s: dict[str, Any], path: str) -> None:
        self.time(s, "last_updated", path)
        if "kwh" in s:
            self.number(s, "kwh", path)
        if "status" in s:
            self.string(s, "status", 11, path, choices=SESSION_STATUSES)
        if "total_cost" in s:
            self.price(s, "total_cost", path)
        if "end_date_time" in s:
            self.time(s, "end_date_time", path)

    def cdr(self, c: dict[str, Any], path: str, country: str, party: str) -> None:
        self.party(c, path, country, party)
        self.string(c, "id", 39, path)
        self.time(c, "start_date_time", path)
        self.time(c, "end_date_time", path)
        self.string(c, "session_id", 36, path, required=False)
        self.cdr_token(c.get("cdr_token"), f"{path}.cdr_token")
        self.string(c, "auth_method", 12, path, choices=AUTH_METHODS)
        loc = c.get("cdr_location")
        if not isinstance(loc, dict):
            self.fail(f"{path}.cdr_location", "missing")
        else:
            p = f"{path}.cdr_location"
            self.string(loc, "id", 36, p)
            self.string(loc, "address", 45, p)
            self.string(loc, "city", 45, p)
            self.string(loc, "country", 3, p)
            self.string(loc, "evse_uid", 36, p)
            self.string(loc, "evse_id", 48, p)
            self.string(loc, "connector_id", 36, p)
            self.string(loc, "connector_standard", 40, p, choices=CONNECTOR_TYPES)
            self.string(loc, "connector_format", 6, p, choices={"SOCKET", "CABLE"})
            self.string(loc, "connector_power_type", 11, p)
        self.string(c, "currency", 3, path)
        periods = c.get("charging_periods")
        if not isinstance(periods, list) or not periods:
            self.fail(f"{path}.charging_periods", "at least one period is required")
        else:
            for i, period in enumerate(periods):
                p = f"{path}.charging_periods[{i}]"
                self.time(period, "start_date_time", p)
                dims = period.get("dimensions")
                if not isinstance(dims, list) or not dims:
                    self.fail(f"{p}.dimensions", "at least one dimension is required")
                    continue
                for j, d in enumerate(dims):
                    self.string(d, "type", 16, f"{p}.dimensions[{j}]", choices=DIMENSIONS)
                    self.number(d, "volume", f"{p}.dimensions[{j}]")
        self.price(c, "total_cost", path)
        self.number(c, "total_energy", path)
        self.number(c, "total_time", path)
        self.time(c, "last_updated", path)

    def command_result(self, r: dict[str, Any], path: str) -> None:
        self.string(r, "result", 20, path, choices=COMMAND_RESULTS)
