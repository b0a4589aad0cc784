"""Tests of the `connector` commands as a user runs them: real subprocesses, real files."""
