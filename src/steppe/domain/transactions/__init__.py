"""Charging transactions: one model for OCPP 1.6 and 2.0.1."""
