"""OCPP 1.6J: incoming handlers and outgoing commands."""
