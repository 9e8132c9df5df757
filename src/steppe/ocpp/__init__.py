"""OCPP protocol core, free of I/O: frames, sessions, validation, per-version handlers."""
