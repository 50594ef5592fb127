"""Outputs: maps, pick lists, waybills and drill reports. Documents in, files out."""
