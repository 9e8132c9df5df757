"""Webhooks: subscriptions, signed deliveries and their log."""
