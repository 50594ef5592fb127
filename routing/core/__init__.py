"""The pure solver core: the problem, travel times, candidate arcs, the optimizer and the baseline. No database."""
