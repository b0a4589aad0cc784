"""Stateful simulators of the suite and of reference ATSs, served on loopback."""
