"""Subcommands of ``connector``, one module per group."""
