"""The declarative HTTP client: one spec's connection, auth, pagination and pacing."""
