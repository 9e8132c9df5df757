"""Numbers, money and times read the way each language writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from steppe.web.i18n import Catalogues, pick_language


def test_money_is_written_with_the_tenge_sign_in_russian_and_kazakh() -> None:
    """2256 KZT is `2 256,00 ₸` in ru and kk (no-break spaces), `₸2,256.00` in en."""
    catalogues = Catalogues()
    assert catalogues["ru"].money(Decimal("2256"), "KZT") == "2\xa0256,00\xa0₸"
    assert catalogues["kk"].money(Decimal("2256"), "KZT") == "2\xa0256,00\xa0₸"
    assert catalogues["en"].money(Decimal("2256"), "KZT") == "₸2,256.00"
    assert catalogues["ru"].money("15.5", "RUB") == "15,50\xa0₽"


def test_a_time_is_shown_in_the_station_zone() -> None:
    """10:00 UTC is 15:00 in Almaty (UTC+5 since 2024) and 13:00 in Moscow."""
    moment = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    catalogues = Catalogues()
    assert "15:00" in catalogues["ru"].datetime(moment, "Asia/Almaty")
    assert "13:00" in catalogues["ru"].datetime(moment, "Europe/Moscow")
    assert "10:00" in catalogues["ru"].datetime(moment, "Not/AZone")
    assert catalogues["kk"].kwh(12345) == "12,35"


def test_the_language_comes_from_the_user_then_the_browser() -> None:
    """A chosen language wins; else the browser's first supported one; else English."""
    assert pick_language("kk", accept="ru-RU,ru;q=0.9") == "kk"
    assert pick_language(None, accept="de-DE,ru;q=0.8,en;q=0.5") == "ru"
    assert pick_language("xx", None, accept="fr") == "en"


def test_messages_are_translated_from_the_catalogues() -> None:
    """The compiled catalogues answer in Russian and Kazakh; English keeps the message."""
    catalogues = Catalogues()
    assert catalogues["ru"].gettext("Sign in") == "Войти"
    assert catalogues["kk"].gettext("Sign in") == "Кіру"
    assert catalogues["en"].gettext("Sign in") == "Sign in"
