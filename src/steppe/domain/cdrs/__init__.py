"""Charge detail records: the priced account of each finished transaction."""
