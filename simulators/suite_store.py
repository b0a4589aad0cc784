"""One table of records: creation order, secondary indexes, and cursor pages in O(page).

    table = Table(CANDIDATE)
    table.insert({"id": "cnd_1", "email": "Ada@example.com", ...})
    records, after = table.page({"email": "ada@example.com"}, since=None, after=-1, limit=100)

Every record gets a sequence number when it is inserted; a cursor is "after sequence N",
so a page starts where the last one stopped, whatever was created or deleted meanwhile.
Filtered pages walk the smallest matching index (a sorted list of sequence numbers) from a
binary search, so reading 20,000 records page by page costs O(n) overall.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from simulators.suite_errors import BadRequest
from simulators.suite_records import Kind

Record = dict[str, Any]


class Table(Mapping[str, Record]):
    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self._records: dict[str, Record] = {}
        self._rows: list[str | None] = []  # sequence number -> id, None once deleted
        self._seq: dict[str, int] = {}
        self._index: dict[str, dict[Any, list[int]]] = {name: {} for name in kind.filters}

    # Mapping: id -> record, in creation order.
    def __getitem__(self, record_id: str) -> Record:
        return self._records[record_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def insert(self, record: Record) -> Record:
        seq = len(self._rows)
        self._rows.append(record["id"])
        self._seq[record["id"]] = seq
        self._records[record["id"]] = record
        for name, index in self._index.items():
            index.setdefault(self._key(name, record.get(name)), []).append(seq)
        return record

    def update(self, record_id: str, changes: Mapping[str, Any]) -> Record:
        record = self._records[record_id]
        seq = self._seq[record_id]
        for name, value in changes.items():
            if name in self._index and record.get(name) != value:
                self._unindex(name, record.get(name), seq)
                bisect.insort(self._index[name].setdefault(self._key(name, value), []), seq)
            record[name] = value
        return record

    def remove(self, record_id: str) -> Record:
        record = self._records.pop(record_id)
        seq = self._seq.pop(record_id)
        self._rows[seq] = None
        for name in self._index:
            self._unindex(name, record.get(name), seq)
        return record

    def find(self, name: str, value: Any) -> list[Record]:
        """Records whose indexed field ``name`` equals ``value``, in creation order."""
        seqs = self._index[name].get(self._key(name, value), [])
        return [self._records[row] for seq in seqs if (row := self._rows[seq]) is not None]

    def page(
        self, filters: Mapping[str, Any], *, since: str | None, after: int, limit: int
    ) -> tuple[list[Record], int | None]:
        """Up to ``limit`` matching records after sequence ``after``, and the next ``after``.

        The next ``after`` is None when no matching record is left, so the last page says so.
        """
        wanted = {name: self._key(name, value) for name, value in filters.items()}
        out: list[Record] = []
        for seq in self._candidates(wanted, after):
            row = self._rows[seq]
            if row is None:
                continue
            record = self._records[row]
            if since is not None and record["updated_at"] < since:
                continue
            if any(self._key(n, record.get(n)) != v for n, v in wanted.items()):
                continue
            if len(out) == limit:
                return out, self._seq[out[-1]["id"]]
            out.append(record)
        return out, None

    def cursor(self, after: int) -> str:
        raw = f"{self.kind.plural}:{after}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode_cursor(self, cursor: str) -> int:
        """The sequence number in a cursor this table made; anything else is a 400."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            plural, _, number = raw.partition(":")
            after = int(number)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            after = -2
            plural = ""
        if plural != self.kind.plural or not 0 <= after < len(self._rows):
            raise BadRequest(f"invalid cursor {cursor!r}")
        return after

    def _candidates(self, wanted: Mapping[str, Any], after: int) -> Iterable[int]:
        if not wanted:
            return range(after + 1, len(self._rows))
        seqs = min(
            (self._index[name].get(value, []) for name, value in wanted.items()),
            key=len,
        )
        start = bisect.bisect_right(seqs, after)
        return (seqs[at] for at in range(start, len(seqs)))

    def _unindex(self, name: str, value: Any, seq: int) -> None:
        seqs = self._index[name].get(self._key(name, value))
        if seqs is None:
            return
        at = bisect.bisect_left(seqs, seq)
        if at < len(seqs) and seqs[at] == seq:
            del seqs[at]

    def _key(self, name: str, value: Any) -> Any:
        if name in self.kind.folded and isinstance(value, str):
            return value.casefold()
        return value
