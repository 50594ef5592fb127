"""The embedded region datasets and drill scenarios, shipped as package data.

Read them only through ``relief.depot.datafiles``; the scripts in ``build/`` that
rebuild them are not installed.
"""
