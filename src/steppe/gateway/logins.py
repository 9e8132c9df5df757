"""Who may try to log in at the handshake, and what a failed login costs (ADR 0024).

- A failed login locks the pair (station id, client address), never the station id alone: a
  stranger who does not know a station's password cannot keep it out from other addresses.
  Attempts count from the moment their check begins, so a burst sent at once gets no further
  than one sent one by one.
- Failed logins with ids nobody registered are counted per address. An address past
  `unknown_ids` of them within the lockout window may, until the window ends, log in only as
  stations that have logged in from it before; everything else from it gets 429 before any
  lookup or hash (the same answer for known and unknown ids, so it tells an attacker nothing).
  A real station behind the same address that connected since the server started carries on.
"""

from __future__ import annotations

from steppe.gateway.limits import MAX_TRACKED, Lockout


class KnownLogins:
    """(station id, address) pairs that logged in since start; the oldest are forgotten first."""

    __slots__ = ("_limit", "_pairs")

    def __init__(self, limit: int = MAX_TRACKED) -> None:
        self._limit = limit
        self._pairs: dict[str, None] = {}

    def add(self, pair: str) -> None:
        self._pairs.pop(pair, None)
        self._pairs[pair] = None
        if len(self._pairs) > self._limit:
            del self._pairs[next(iter(self._pairs))]

    def __contains__(self, pair: str) -> bool:
        return pair in self._pairs


class LoginGuard:
    """The lockouts of the handshake: `begin` before a check, `end` after it."""

    __slots__ = ("_known", "_unknown_ids", "lockout")

    def __init__(self, lockout: Lockout, unknown_ids: Lockout) -> None:
        self.lockout = lockout
        self._unknown_ids = unknown_ids
        self._known = KnownLogins()

    @staticmethod
    def _pair(station_id: str, peer: str) -> tuple[str]:
        return (f"{station_id}@{peer}",)

    def begin(self, station_id: str, peer: str) -> float | None:
        """Seconds the client must wait, or None: the attempt is then counted as under way."""
        pair = self._pair(station_id, peer)
        wait = self.lockout.retry_after(pair)
        if wait is None and pair[0] not in self._known:
            wait = self._unknown_ids.retry_after((peer,))
        if wait is None:
            self.lockout.begin(pair)
        return wait

    def end(
        self, station_id: str, peer: str, *, admitted: bool, failed: bool, unknown: bool = False
    ) -> None:
        """The attempt `begin` let through is decided: let in, a failed login (with an id nobody
        registered if `unknown`), or neither (refused for another reason)."""
        pair = self._pair(station_id, peer)
        self.lockout.end(pair)
        if admitted:
            self.lockout.succeeded(pair)
            self._known.add(pair[0])
        elif failed:
            self.lockout.failed(pair)
            if unknown:
                self._unknown_ids.failed((peer,))
