"""The sync engine: flows run as a pipeline from source records to writes on the other side."""
