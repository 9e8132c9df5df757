"""Stations: registration, credentials, boot, connector state."""
