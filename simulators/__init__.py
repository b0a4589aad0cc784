"""Stateful simulators of the suite and of reference ATSs, served on loopback.

| path | holds |
| --- | --- |
| ``kit/`` | what every simulator is built from: table, dispatcher, faults, control routes |
| ``suite/`` | the Video Interview Suite |
| ``greenhouse/`` | Greenhouse Harvest v3 and its webhooks |
| ``registry`` | the ATS simulators that ship, as ``AtsSimulator`` (``kit/protocol.py``) |
| ``world`` | the suite, every ATS simulator and a connector.yaml joining them |
| ``demo`` | the scenario ``connector demo`` plays (the ``connector.simulators`` entry point) |
"""
