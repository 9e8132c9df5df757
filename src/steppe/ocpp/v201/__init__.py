"""OCPP 2.0.1: incoming messages from charging stations, answered through the domain."""
