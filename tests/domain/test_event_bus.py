"""The event bus: subscribers get what they want, and nobody listening costs nothing."""

from __future__ import annotations

from steppe.domain.events import EventBus


async def test_publish_reaches_only_subscribers_that_want_the_type() -> None:
    bus = EventBus()
    wanted = {"transaction.ended"}
    assert not bus.listening("transaction.updated")
    async with (
        bus.subscribe() as everything,
        bus.subscribe(wants=lambda t: t in wanted) as ends,
        bus.subscribe(lambda e: e.station_id == "CS-2") as one_station,
    ):
        assert bus.listening("transaction.updated")
        bus.publish("transaction.updated", "CS-1", {"meter_wh": 10})
        bus.publish("transaction.ended", "CS-2", {"energy_wh": 10})
        assert [e.type for e in drain(everything)] == ["transaction.updated", "transaction.ended"]
        assert [e.type for e in drain(ends)] == ["transaction.ended"]
        assert [e.station_id for e in drain(one_station)] == ["CS-2"]
        # A subscriber may change its mind: `wants` is asked at every publish.
        wanted.add("transaction.updated")
        bus.publish("transaction.updated", "CS-1", {"meter_wh": 20})
        assert [e.data for e in drain(ends)] == [{"meter_wh": 20}]
    assert not bus.listening("transaction.updated")


async def test_event_ids_increase_across_types() -> None:
    bus = EventBus()
    async with bus.subscribe() as sub:
        for i in range(3):
            bus.publish("connector.status", "CS-1", {"n": i})
        ids = [e.id for e in drain(sub)]
    assert ids == sorted(ids) and len(set(ids)) == 3


def drain(subscription):  # type: ignore[no-untyped-def]
    events = []
    while not subscription.queue.empty():
        events.append(subscription.queue.get_nowait())
    return events
