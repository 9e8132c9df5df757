"""OCPP 2.1: the 2.0.1 handlers and commands, with what 2.1 adds."""
