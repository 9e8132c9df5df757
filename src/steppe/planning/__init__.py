"""The planning twin: a discrete-event simulation of a charging network over months or years.

`steppe plan SCENARIO --out DIR` reads a scenario (docs/planning.md), simulates drivers arriving,
waiting, charging and leaving at every site, and writes what each site sees per month
(`summary.json`), where more chargers would help (`recommendations.json`) and a report
(`report.html`). Numbers are floats inside the event loop for speed; money is `Decimal`.
"""
