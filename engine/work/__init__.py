"""Background work: the inbox worker, the polling scheduler and the event model."""
