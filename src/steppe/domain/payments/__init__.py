"""Payments and costs worked out at the station (OCPP 2.1): its own cost beside the CDR,
settlements at its terminal."""
