"""What a simulated charger counts as it goes: calls sent and answered, refusals, resends,
sessions and energy, and a few samples of what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ERROR_SAMPLES = 5


@dataclass
class ChargerStats:
    """Counters of one charger (or of many, merged). A load run swaps in a fresh one per phase."""

    sent: int = 0
    answered: int = 0
    refused: int = 0  # CALLERROR answers
    resends: int = 0  # durable mode: a message sent again after a lost link or a refusal
    server_calls: int = 0
    sessions_started: int = 0
    sessions_completed: int = 0
    energy_wh: int = 0
    per_action: dict[str, int] = field(default_factory=dict)  # answered calls per action
    error_samples: list[str] = field(default_factory=list)

    def note_error(self, text: str) -> None:
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(text[:300])

    def merge(self, other: ChargerStats) -> None:
        self.sent += other.sent
        self.answered += other.answered
        self.refused += other.refused
        self.resends += other.resends
        self.server_calls += other.server_calls
        self.sessions_started += other.sessions_started
        self.sessions_completed += other.sessions_completed
        self.energy_wh += other.energy_wh
        for action, n in other.per_action.items():
            self.per_action[action] = self.per_action.get(action, 0) + n
        for sample in other.error_samples:
            self.note_error(sample)
