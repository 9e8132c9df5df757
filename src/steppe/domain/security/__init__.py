"""Station security: signing station CSRs, security events, station password rotation."""
