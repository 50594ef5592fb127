"""Dispatch: incidents, making a plan from the live books, and a saved plan's life (commit, ship, cancel)."""
