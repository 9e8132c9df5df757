"""Independent OCPI peers run in virtual environments of their own."""
