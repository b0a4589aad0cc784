"""The parts every simulator is built from, so a new ATS simulator is one folder.

| module | holds |
| --- | --- |
| ``table`` | one record table: ids, create/update/delete, ``updated_at`` stamps, filtered pages |
| ``webhooks`` | the webhook dispatcher: a queue, delivery with retries, the dropped fault |
| ``faults`` | the fault knobs: error rate, latency, bursts of 429, drops, lost responses |
| ``ratelimit`` | rate-limit windows (fixed and rolling) and the headers they answer with |
| ``guard`` | the fault knobs around an API handler: latency, injected faults, lost answers |
| ``control`` | the control routes every simulator answers (``/_sim/faults``, ...) |
| ``errors`` | errors as values that know their HTTP response |
| ``protocol`` | ``AtsSimulator``: what the world and the demo need from an ATS simulator |
| ``serving`` | ``LoopbackServer``: an ASGI app on a real uvicorn server on loopback |
"""
