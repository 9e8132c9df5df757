"""Site load management: circuits, EVSEs and sessions in, current limits out.

The decisions are pure: `allocator.allocate` does no I/O, reads no clock and knows no OCPP
version, so it can be tested exhaustively and timed on its own. Around it, `specs.py` and
`sites.py` are the sites operators describe and their storage, `layout.py` builds the
allocator's site from them, `readings.py` notes measured currents off the hot path, and
`manager.py` runs the allocator on events and on a steady interval and sends the limits.
"""
