"""Helpers for the planning twin's tests: scenarios written inline, models built from them."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from typing import Any

from steppe.domain.vehicles.models import Catalogue
from steppe.planning.builder import build_model
from steppe.planning.model import Model
from steppe.planning.scenario import parse
from steppe.planning.specs import Scenario


def scenario_of(text: str) -> Scenario:
    document: dict[str, Any] = tomllib.loads(text, parse_float=Decimal)
    return parse(document)


def model_of(text: str) -> Model:
    scenario = scenario_of(text)
    catalogue = None if scenario.theory is not None else Catalogue.load()
    return build_model(scenario, catalogue)
