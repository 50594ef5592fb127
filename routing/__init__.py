"""Geography and decisions: travel times, the optimizer, dispatch plans, drills."""
