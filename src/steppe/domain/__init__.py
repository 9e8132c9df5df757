"""Business rules, the same whichever OCPP version a charger speaks."""
