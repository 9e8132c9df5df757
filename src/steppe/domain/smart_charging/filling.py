"""Progressive filling in whole deci-amperes: the arithmetic under every sharing strategy.

A *claim* is a car (or, for the safe defaults, a station) with a floor `lo`, a ceiling `hi` and
the constraint keys it loads, one per circuit phase on its way to the grid connection; a key may
repeat when a claim loads the same circuit phase more than once. `slack[k]` is what constraint
`k` still has free.

`admit` gives a claim its floor if every constraint it loads has room for it. `fill` then raises
all admitted claims together from their floors, a water level `t` common to all: a claim's level
is `t` once `t` passes its floor, until `t` reaches its ceiling or one of its constraints is full,
when it freezes. The result is max-min fair: no claim could get more without taking from one that
has no more than it. Events (a floor reached, a ceiling reached, a constraint full) are taken in
order of `t`; a constraint's fill time is kept in a heap and recomputed only when the number of
claims growing on it changes, so a site of a thousand cars costs a few thousand heap operations.
Levels are whole deci-amperes: at a full constraint each claim stops at the last whole step that
fits, leaving less than one step per claim unused.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush

OWN_CEILING = -1  # in `fill`'s result: the claim stopped at its own ceiling, no constraint

_WAITING, _GROWING, _DONE = 0, 1, 2


def admit(slack: list[int], lo: int, keys: Sequence[int]) -> bool:
    """Give a claim its floor `lo` if every constraint it loads has room; True when given.

    A constraint already over its limit has no room even for a floor of 0.
    """
    for k in keys:
        slack[k] -= lo
    for k in keys:
        if slack[k] < 0:
            for back in keys:
                slack[back] += lo
            return False
    return True


def headroom(slack: Sequence[int], keys: Sequence[int]) -> tuple[int, int]:
    """The most a claim could take on every constraint it loads (negative where one is already
    over), and the key that limits it. `keys` must not be empty."""
    best = keys[0]
    room = slack[best]
    for k in keys:
        if slack[k] < room:
            room = slack[k]
            best = k
    return room, best


def fill(
    slack: list[int], los: Sequence[int], his: Sequence[int], keys: Sequence[Sequence[int]]
) -> tuple[list[int], list[int]]:
    """Raise admitted claims (floors already taken from `slack`) as far as fairness allows.

    Returns each claim's level and what stopped it: `OWN_CEILING` or the key of the constraint
    that filled. `slack` is left holding what each constraint still has free.
    """
    n = len(los)
    levels = list(los)
    binding = [OWN_CEILING] * n
    if n == 0:
        return levels, binding
    size = len(slack)
    # A constraint's slack at level t is free[k] - growth[k] * t: a line whose intercept moves
    # when the number of claims growing on it does, so a start or a stop costs two additions.
    free = slack
    growth = [0] * size  # claims growing on each constraint (a repeated key counts each time)
    stamp = [0] * size  # invalidates a constraint's older entries in the fill-time heap
    members: list[list[int]] = [[] for _ in range(size)]
    for i, claim_keys in enumerate(keys):
        for k in claim_keys:
            members[k].append(i)
    state = [_WAITING] * n
    starts = sorted(range(n), key=los.__getitem__)
    full_at: list[tuple[int, int, int]] = []  # (level at which k is full, stamp, k)
    ceilings: list[tuple[int, int]] = []  # (hi, claim) for growing claims
    touched: set[int] = set()
    s = 0
    t = los[starts[0]]
    while True:
        while s < n and los[starts[s]] <= t:
            i = starts[s]
            s += 1
            if state[i] != _WAITING:
                continue
            if his[i] <= los[i]:
                state[i] = _DONE
                continue
            state[i] = _GROWING
            claim_keys = keys[i]
            for k in claim_keys:
                free[k] += t
                growth[k] += 1
            touched.update(claim_keys)
            heappush(ceilings, (his[i], i))
        while ceilings and ceilings[0][0] <= t:
            _, i = heappop(ceilings)
            if state[i] == _GROWING:
                state[i] = _DONE
                levels[i] = t
                claim_keys = keys[i]
                for k in claim_keys:
                    free[k] -= t
                    growth[k] -= 1
                touched.update(claim_keys)
        while True:
            for k in touched:
                g = growth[k]
                if g:
                    stamp[k] += 1
                    heappush(full_at, (free[k] // g, stamp[k], k))
            touched.clear()
            if not full_at or full_at[0][0] > t:
                break
            _, mark, k = heappop(full_at)
            if mark != stamp[k] or not growth[k]:
                continue
            for i in members[k]:
                if state[i] == _GROWING:
                    state[i] = _DONE
                    levels[i] = t
                    binding[i] = k
                    claim_keys = keys[i]
                    for k2 in claim_keys:
                        free[k2] -= t
                        growth[k2] -= 1
                    touched.update(claim_keys)
                elif state[i] == _WAITING:
                    state[i] = _DONE  # full before its floor was reached: stays at its floor
                    binding[i] = k
        while ceilings and state[ceilings[0][1]] != _GROWING:
            heappop(ceilings)
        while full_at and (full_at[0][1] != stamp[full_at[0][2]] or not growth[full_at[0][2]]):
            heappop(full_at)
        upcoming = []
        if s < n:
            upcoming.append(los[starts[s]])
        if ceilings:
            upcoming.append(ceilings[0][0])
        if full_at:
            upcoming.append(full_at[0][0])
        if not upcoming:
            return levels, binding
        t = min(upcoming)
