"""Counters for the metrics endpoint, kept by each connection as it answers: a dict increment and
a bucket increment per message, no locks (one event loop)."""

from __future__ import annotations

from bisect import bisect_left

# Upper bounds (seconds) of the handling latency histogram.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class GatewayMetrics:
    """Messages by (action, result), handling latency, and errors answered."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], int] = {}
        self.latency_counts = [0] * (len(LATENCY_BUCKETS) + 1)  # the last one is +Inf
        self.latency_sum = 0.0
        self.errors: dict[str, int] = {}

    def observe(self, action: str, result: str, seconds: float) -> None:
        key = (action, result)
        self.messages[key] = self.messages.get(key, 0) + 1
        self.latency_counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.latency_sum += seconds

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def _labels(**labels: str) -> str:
    inner = ",".join(
        f'{key}="{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for key, value in labels.items()
    )
    return "{" + inner + "}" if inner else ""


class Exposition:
    """Prometheus text format (version 0.0.4), written line by line."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float, **labels: str) -> None:
        text = repr(float(value)) if isinstance(value, float) else str(value)
        self.lines.append(f"{name}{_labels(**labels)} {text}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def write_gateway(out: Exposition, metrics: GatewayMetrics, *, connected: int) -> None:
    out.metric("steppe_connected_stations", "gauge", "Stations connected right now.")
    out.sample("steppe_connected_stations", connected)
    out.metric("steppe_ocpp_messages_total", "counter", "Calls from stations by action and result.")
    for (action, result), count in sorted(metrics.messages.items()):
        out.sample("steppe_ocpp_messages_total", count, action=action, result=result)
    name = "steppe_ocpp_handling_seconds"
    out.metric(name, "histogram", "Time to handle a station's call, answer included.")
    cumulative = 0
    for bound, count in zip(LATENCY_BUCKETS, metrics.latency_counts, strict=False):
        cumulative += count
        out.sample(f"{name}_bucket", cumulative, le=repr(bound))
    cumulative += metrics.latency_counts[-1]
    out.sample(f"{name}_bucket", cumulative, le="+Inf")
    out.sample(f"{name}_sum", metrics.latency_sum)
    out.sample(f"{name}_count", cumulative)
    out.metric("steppe_ocpp_errors_total", "counter", "Calls answered with a CALLERROR, by code.")
    for kind, count in sorted(metrics.errors.items()):
        out.sample("steppe_ocpp_errors_total", count, code=kind)
