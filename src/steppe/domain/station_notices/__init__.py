"""What OCPP 2.1 stations send and are sent that Steppe keeps without acting on it yet."""
