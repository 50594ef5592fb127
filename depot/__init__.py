"""The warehouse: models, stock rules, the ledger and the database session."""
