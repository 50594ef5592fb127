"""Drills: scenarios, hazard models, sampling, metrics, one drill and seeded batches, never touching live records."""
