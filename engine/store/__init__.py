"""The database: tables, inbox, equivalence table, tokens and migrations. All SQL is here."""
