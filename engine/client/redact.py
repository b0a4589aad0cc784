"""Keep secrets out of logs and error messages.

    redactor = Redactor(["s3cr3t-key"])
    redactor("GET /jobs?api_key=s3cr3t-key")   # 'GET /jobs?api_key=***'

Every secret value a tenant configures and every token obtained at run time is
registered; anything printed about a request passes through ``redact`` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MIN_LENGTH = 4  # shorter values would redact ordinary words


class Redactor:
    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*values)

    def add(self, *values: str | None) -> None:
        new = {v for v in values if v and len(v) >= MIN_LENGTH} - self._values
        if new:
            self._values |= new
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def __call__(self, text: str) -> str:
        return self._pattern.sub("***", text) if self._pattern else text
