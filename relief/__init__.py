"""relief: disaster-preparedness inventory and dispatch for Red Cross relief depots.

The installed package is one namespace. In the repository its parts keep their own
top-level folders, mapped into it by ``pyproject.toml``:

- ``relief.depot``   (``depot/``)   the warehouse: models, stock rules, the ledger, sessions
- ``relief.routing`` (``routing/``) geography and decisions: solver core, dispatch, drills, outputs
- ``relief.cli``     (``cli/``)     the ``relief`` command
- ``relief.data``    (``data/``)    the embedded regions and scenarios, read as package data
- ``relief.errors``                 every domain error
"""

__version__ = "0.2.0"
