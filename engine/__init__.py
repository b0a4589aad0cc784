"""Connector: a declarative engine between applicant tracking systems and the suite."""

__version__ = "0.1.0"
