"""A simulator of BambooHR's applicant tracking API, as its OpenAPI contract describes it.

| module | holds |
| --- | --- |
| ``app`` | the routes, HTTP basic auth, the fault and throttle checks around every call |
| ``state`` | ``BambooSim``: jobs, applicants, applications, statuses, comments, users |
| ``views`` | the JSON shapes the contract gives each answer |
| ``simulator`` | ``BambooHR``, the ``AtsSimulator`` the world and the demo use |

BambooHR sends no webhooks for applicant tracking, so the simulator has no subscribers:
a connector finds every change by polling.
"""
