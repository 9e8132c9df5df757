"""Steppe's own exceptions.

Every error Steppe raises on purpose derives from `SteppeError`; each boundary translates it into
its own language (a CALLERROR for a charger, an HTTP status for the API, an OCPI status for
partners)::

    SteppeError
    ├── ConfigurationError        settings that cannot work together
    ├── NotFound                  a station, token, transaction ... that does not exist  (HTTP 404)
    ├── AlreadyExists             a create that collides with an existing id             (HTTP 409)
    ├── Conflict                  the request cannot be met in the current state         (HTTP 409)
    │   └── StationNotConnected   a command for a station that is not online             (HTTP 409)
    ├── InvalidInput              a value the domain refuses                              (HTTP 422)
    ├── Forbidden                 authenticated but not allowed                           (HTTP 403)
    ├── CommandTimeout            a charger did not answer in time                        (HTTP 504)
    └── StorageUnavailable        the database cannot be reached; nothing was acknowledged
"""

from __future__ import annotations


class SteppeError(Exception):
    """Root of every error Steppe raises on purpose."""


class ConfigurationError(SteppeError):
    """Settings that cannot work together."""


class NotFound(SteppeError):
    """The thing asked for does not exist."""


class AlreadyExists(SteppeError):
    """A create collides with an existing id."""


class Conflict(SteppeError):
    """The request cannot be met in the current state."""


class StationNotConnected(Conflict):
    """A command was addressed to a station that is not connected."""


class InvalidInput(SteppeError):
    """A value the domain refuses."""


class Forbidden(SteppeError):
    """The caller is known but not allowed to do this."""


class CommandTimeout(SteppeError):
    """A charger did not answer a command in time."""


class StorageUnavailable(SteppeError):
    """The database cannot be reached; nothing was acknowledged."""
