"""Table definitions, one module per area, all on one `MetaData`.

The migrations in `storage/migrations/versions/` create these tables; a test checks that the
migrated database and this metadata agree.
"""

from steppe.storage.tables import (
    charger_side,
    core,
    device_model,
    drivers,
    operator,
    roaming,
    security,
    sites,
    station_state,
    tariffs,
    users,
)
from steppe.storage.tables.base import metadata

__all__ = [
    "charger_side",
    "core",
    "device_model",
    "drivers",
    "metadata",
    "operator",
    "roaming",
    "security",
    "sites",
    "station_state",
    "tariffs",
    "users",
]
