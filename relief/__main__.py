"""``python -m relief``: the same as the ``relief`` command."""

from relief.cli.main import run

run()
