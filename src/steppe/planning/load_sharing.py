"""Equal-share load management: a site's grid limit split among the cars charging there.

Each car asks for the most it can still draw (its `peak_from`); when the asks fit under the
limit, every car gets its ask. Otherwise the limit is shared by water-filling: cars that ask for
less than an equal share get their ask, the rest split what remains equally.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def equal_shares(asks: Sequence[float], limit: float) -> list[float]:
    """The kW cap of each car, in the order of `asks`."""
    if not math.isfinite(limit) or sum(asks) <= limit:
        return list(asks)
    caps = [0.0] * len(asks)
    left = max(limit, 0.0)
    waiting = sorted(range(len(asks)), key=asks.__getitem__)
    for done, index in enumerate(waiting):
        share = left / (len(waiting) - done)
        if asks[index] <= share:
            caps[index] = asks[index]
            left -= asks[index]
        else:
            for rest in waiting[done:]:
                caps[rest] = share
            break
    return caps
