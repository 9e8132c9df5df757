"""OCPI roaming rules: partners and their credentials, their tokens, and the push outbox."""
