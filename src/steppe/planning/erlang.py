"""Erlang C: waiting in an M/M/c queue, the theory the simulation is checked against.

With Poisson arrivals at rate lambda, exponential sessions of mean 1/mu and c chargers, the
offered load is a = lambda / mu Erlangs. When a < c the probability that an arriving driver
waits is

    C(c, a) = (a^c / c!) * c / (c - a)  /  (sum_{k<c} a^k / k!  +  (a^c / c!) * c / (c - a))

and the mean wait over all drivers is C(c, a) / (c * mu - lambda). The optimiser uses the same
formula hour by hour as a quick estimate before the simulation checks its answer.
"""

from __future__ import annotations

import math


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c, by the stable recurrence B(k) = aB(k-1)/(k + aB(k-1))."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """Probability of waiting in M/M/c with offered load `load` Erlangs (1.0 when overloaded)."""
    if servers <= 0 or load >= servers:
        return 1.0
    if load <= 0:
        return 0.0
    blocking = erlang_b(servers, load)
    return servers * blocking / (servers - load * (1 - blocking))


def mean_wait(servers: int, arrivals_per_hour: float, session_hours: float) -> float:
    """Mean wait in hours over all drivers (math.inf when overloaded)."""
    load = arrivals_per_hour * session_hours
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) * session_hours / (servers - load)
