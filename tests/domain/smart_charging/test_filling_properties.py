"""Properties of progressive filling over random claims and constraints: what it hands out always
fits, stays between each claim's floor and ceiling, and every claim held below its ceiling is held
by a full constraint on which nobody above their floor has more than it (max-min fairness)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from steppe.domain.smart_charging.filling import OWN_CEILING, admit, fill

FAST = settings(max_examples=300, deadline=None)


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[int], list[int], list[int], list[list[int]]]:
    size = draw(st.integers(1, 8))
    slack = draw(st.lists(st.integers(0, 600), min_size=size, max_size=size))
    n = draw(st.integers(0, 12))
    los, his, keys = [], [], []
    for _ in range(n):
        lo = draw(st.sampled_from([0, 0, 60, 60, 60, 80, 100]))
        los.append(lo)
        his.append(draw(st.integers(max(0, lo - 20), 320)))
        keys.append(draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=4)))
    return slack, los, his, keys


@FAST
@given(problems())
def test_filling_fits_respects_bounds_and_is_max_min_fair(
    problem: tuple[list[int], list[int], list[int], list[list[int]]],
) -> None:
    """Whatever the claims, the result fits and every held-back claim has a fair bottleneck."""
    start, los, his, keys = problem
    slack = list(start)
    admitted = [i for i in range(len(los)) if admit(slack, los[i], keys[i])]
    a_lo = [los[i] for i in admitted]
    a_hi = [his[i] for i in admitted]
    a_keys = [keys[i] for i in admitted]
    levels, binding = fill(slack, a_lo, a_hi, a_keys)

    used = Counter[int]()
    for level, claim_keys in zip(levels, a_keys, strict=True):
        for k in claim_keys:
            used[k] += level
    assert all(slack[k] == start[k] - used[k] >= 0 for k in range(len(start)))

    members: dict[int, list[int]] = {}
    for i, claim_keys in enumerate(a_keys):
        for k in claim_keys:
            members.setdefault(k, []).append(i)
    for i, (level, lo, hi, k) in enumerate(zip(levels, a_lo, a_hi, binding, strict=True)):
        assert level >= lo
        assert level <= max(lo, hi)
        if k == OWN_CEILING:
            assert level == max(lo, hi)
            continue
        assert k in a_keys[i]
        # full: less than one step left per claim on it
        assert slack[k] < len(members[k])
        # fair: on its bottleneck nobody above their floor has more
        assert all(levels[j] <= level for j in members[k] if levels[j] > a_lo[j])


@FAST
@given(problems())
def test_a_claim_refused_its_floor_did_not_fit(
    problem: tuple[list[int], list[int], list[int], list[list[int]]],
) -> None:
    """`admit` refuses exactly the claims whose floor would overfill a constraint, and takes
    nothing from the slack when it refuses."""
    slack, los, _, keys = problem
    for lo, claim_keys in zip(los, keys, strict=True):
        before = list(slack)
        need = Counter(claim_keys)
        fits = all(before[k] >= lo * need[k] for k in need)
        assert admit(slack, lo, claim_keys) == fits
        if fits:
            assert all(slack[k] == before[k] - lo * need[k] for k in need)
        else:
            assert slack == before
