"""Site load management as pure decisions: circuits, EVSEs and sessions in, current limits out.

Nothing here does I/O, reads a clock or knows an OCPP version: `allocator.allocate` is a function
of a site, a strategy and a moment, so it can be tested exhaustively and timed on its own.
"""
