"""Who is offered their minimum first when not every car can have it: the turn order.

Cars are offered their minimum current in turn order; whoever no longer fits is paused. Under
equal share (and within a priority level) the order rotates, so a paused car gets its turn:

1. cars given current less than `rotation_dwell` ago keep it (earliest given first);
2. cars that have waited at least `rotation_dwell`, longest waiting first;
3. cars that have had current for at least `rotation_dwell`, the one that has had it the
   shortest first, so the one charging longest is the first to yield;
4. cars that have waited less than `rotation_dwell`, longest waiting first.

A new session has been waiting since it started. So a car paused for want of room waits one
dwell, then takes the place of the car that has charged longest, which in turn waits one dwell:
nobody is paused and resumed within a dwell, and nobody waits forever while others charge. A full
car goes after every car that still wants energy. First come, first served does not rotate: it is
arrival order, by design.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from steppe.domain.smart_charging.allocation import EvsePlan, PlanState
from steppe.domain.smart_charging.models import EvseId, Session

TurnKey = tuple[int, int, float, float, EvseId]


def history(
    session: Session, prior: EvsePlan | None, now: datetime
) -> tuple[PlanState | None, datetime]:
    """Whether the session was charging or paused in the previous round, and since when.

    A session the previous round did not decide on (new, or its EVSE was not steerable) counts
    as waiting since it started.
    """
    if (
        prior is not None
        and prior.session_id == session.id
        and prior.since is not None
        and prior.state in (PlanState.CHARGING, PlanState.PAUSED)
    ):
        return prior.state, prior.since
    return None, min(session.started_at, now)


def turn(
    session: Session,
    evse: EvseId,
    state: PlanState | None,
    since: datetime,
    now: datetime,
    dwell: timedelta,
    *,
    rotate: bool,
) -> TurnKey:
    """The sort key of a session's turn, given its `history`: the smaller, the earlier it is
    offered its minimum."""
    full = 1 if session.full else 0
    started = session.started_at.timestamp()
    if not rotate:
        return (full, 0, started, 0.0, evse)
    moment = since.timestamp()
    settled = now - since >= dwell
    if state is PlanState.CHARGING:
        if not settled:
            return (full, 0, moment, 0.0, evse)
        return (full, 2, -moment, -started, evse)
    return (full, 1 if settled else 3, moment, started, evse)
