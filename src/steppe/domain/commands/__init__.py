"""Commands an operator sends to a station, the same for every OCPP version."""
