"""Preparation: what to buy and where to hold it before a disaster, over sampled scenarios (pure core: no database, no files)."""
