"""Property-based tests: whatever arrives, the spec loader, the signature verifiers and the
webhook endpoint answer with a diagnostic or a refusal, never a crash."""
