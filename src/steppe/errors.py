"""Steppe's own exceptions.

Every exception Steppe raises derives from `SteppeError`. Each boundary translates by type into
its own language: a CALLERROR for a charger (`ocpp/dispatcher.py`), an HTTP status with a JSON
body for the API (`api/errors.py`), an OCPI status code for partners. Classes defined outside this
module are drawn with the module that holds them::

    SteppeError
    ├── ConfigurationError        settings that cannot work together
    ├── NotFound                  a station, token, transaction ... that does not exist   404
    ├── AlreadyExists             a create that collides with an existing id              409
    ├── Conflict                  the request cannot be met in the current state          409
    │   ├── StationNotConnected   a command for a station that is not online              409
    │   │   └── gateway.websocket.SocketClosed        the station's socket closed under a call
    │   ├── StationNotAccepted    a command its registration forbids (pending, rejected)  409
    │   ├── domain.drivers.charging.ConnectorUnavailable  a driver's start: offline, occupied...
    │   └── domain.drivers.charging.StartRefused          the charger refused a driver's start
    ├── InvalidInput              a value the domain refuses                              422
    │   ├── CommandUnavailable    the station's OCPP version has no such command          422
    │   ├── Unpriceable           a session its tariff cannot price (range, time budget)  422
    │   ├── pki.authority.CsrRefused                  a CSR Steppe will not sign
    │   ├── domain.webhooks.destinations.DestinationRefused   a webhook to a non-public address
    │   ├── domain.drivers.accounts.LinkExpired       a confirmation or reset link used or old
    │   └── domain.drivers.charging.VehicleMismatch   the car does not fit, not confirmed
    ├── Forbidden                 authenticated but not allowed                           403
    │   ├── domain.security.service.SigningUnavailable    no CA key to sign with
    │   ├── domain.users.service.SignInRefused            wrong email or password, disabled user
    │   │   └── domain.users.service.SignInThrottled      too many failures: wait and retry
    │   ├── web.console.visitors.NotAllowed               the user's role does not allow it
    │   ├── web.console.visitors.FormRefused              a form without its (right) CSRF token
    │   ├── domain.drivers.accounts.DriverSignInRefused   a driver's wrong email or password
    │   │   └── domain.drivers.accounts.DriverSignInThrottled   too many: wait and retry
    │   ├── domain.drivers.charging.AccountNotReady       unconfirmed or blocked: may not charge
    │   └── web.driver.visitors.DriverFormRefused         a driver form without its token
    ├── CommandTimeout            a charger did not answer in time                        504
    ├── StationRejectedCall       a charger answered Steppe's call with a CALLERROR       502
    ├── StorageUnavailable        the database cannot be reached; nothing acknowledged    503
    ├── ClusterUnavailable        NATS cannot be reached: no command to another node's    503
    │                             stations (cluster mode)
    ├── ProtocolError             OCPP-J broken on the wire (raised by the protocol core)
    │   ├── ocpp.errors.OcppError                     answered with a CALLERROR of its kind
    │   │   └── ocpp.rpc.FrameError                   a frame that is not OCPP-J
    │   └── ocpp.session.SessionBusy                  a call of Steppe's is still in flight
    ├── domain.roaming.models.LinkFailed              an OCPI partner unreachable, slow or      502
    │                                                 answering something that is not OCPI
    ├── ocpi.envelope.OcpiError   an OCPI answer with its status code (2000-2004, 3000-3004)
    ├── storage.group_commit.NeedsConnection          a dry-run batch met a statement; the
    │                                                 batch runs the usual way (stays inside)
    ├── api.errors.ApiError       an HTTP answer the API decides itself (status, code)
    ├── web.console.visitors.SignInNeeded             a console page without a session: sign in
    ├── web.driver.visitors.DriverSignInNeeded        a driver page without a session: sign in
    ├── web.assets.AssetError                         a front-end library missing or not as pinned
    ├── simulator.link.CallRefused                    a simulated charger's call was refused
    ├── simulator.charger.ChargerStopped              a simulated charger was told to stop
    ├── simulator.lean.HandshakeFailed                the lean client's upgrade was refused
    └── simulator.lean.ConnectionClosed               the lean client's connection closed

The lean client's two are also `ConnectionError`s, as a socket's failures are.

The numbers are the HTTP statuses `api/errors.py` gives each one.
"""

from __future__ import annotations


class SteppeError(Exception):
    """Root of every error Steppe raises."""


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


class StationNotAccepted(Conflict):
    """A command the station's registration forbids: nothing to a rejected station, no charge
    to a pending one."""


class InvalidInput(SteppeError):
    """A value the domain refuses."""


class CommandUnavailable(InvalidInput):
    """The station's OCPP version has no such command (the message names the one to use)."""


class Unpriceable(InvalidInput):
    """A session that its tariff cannot price: a figure out of every sensible range, or more
    work than the pricing time budget allows. Trying again gives the same answer."""


class Forbidden(SteppeError):
    """The caller is known but not allowed to do this."""


class CommandTimeout(SteppeError):
    """A charger did not answer a command in time."""


class StationRejectedCall(SteppeError):
    """The charger answered Steppe's call with a CALLERROR."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description


class StorageUnavailable(SteppeError):
    """The database cannot be reached; nothing was acknowledged."""


class ClusterUnavailable(SteppeError):
    """NATS cannot be reached: a command for a station held by another node cannot be carried
    (cluster mode); the node's own stations are served as ever."""


class ProtocolError(SteppeError):
    """OCPP-J broken on the wire: raised by the protocol core, answered by the gateway."""
