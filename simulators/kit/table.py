"""One table of records: ids, creation order, ``updated_at`` stamps, indexes and pages.

    jobs = Table("jobs", new_id=itertools.count(4_000_001).__next__, stamp=clock.stamp,
                 indexed=("status",))
    job = jobs.create({"name": "Engineer", "status": "open"})   # id, created_at, updated_at
    jobs.update(job["id"], {"status": "closed"})                # and a new updated_at
    records, after = jobs.page({"status": "open"}, after=-1, limit=100)
    jobs.delete(job["id"])

Every record gets a sequence number when it is inserted; a page is "after sequence N", so
it starts where the last one stopped, whatever was created or deleted meanwhile. A
filtered page walks the smallest matching index (a sorted list of sequence numbers) from a
binary search, so reading a whole table page by page costs O(n) overall. The table is a
read-only ``Mapping`` of id to record, in creation order; the simulator's lock guards it.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import Any

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


class Table(Mapping[Any, Record]):
    def __init__(
        self,
        name: str,
        *,
        new_id: Callable[[], Hashable],
        stamp: Callable[[], str],
        indexed: Iterable[str] = (),
        folded: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.new_id = new_id
        self.stamp = stamp
        self.folded = frozenset(folded)
        self._records: dict[Any, Record] = {}
        self._rows: list[Any] = []  # sequence number -> id, None once deleted
        self._ids: list[Any] = []  # sequence number -> id, kept after a delete
        self._seq: dict[Any, int] = {}
        self._index: dict[str, dict[Any, list[int]]] = {name: {} for name in indexed}

    # Mapping: id -> record, in creation order.
    def __getitem__(self, record_id: Any) -> Record:
        return self._records[record_id]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    @property
    def sequence(self) -> int:
        """How many records were ever inserted: the next record's sequence number."""
        return len(self._rows)

    def create(self, values: Mapping[str, Any]) -> Record:
        """A new record with a fresh id, stamped now unless ``values`` carry the stamps."""
        record: Record = {"id": self.new_id(), **values}
        now = record.get("created_at") or self.stamp()
        record["created_at"] = now
        record["updated_at"] = record.get("updated_at") or now
        return self.insert(record)

    def insert(self, record: Record) -> Record:
        """Store a record that already has its id and stamps."""
        seq = len(self._rows)
        self._rows.append(record["id"])
        self._ids.append(record["id"])
        self._seq[record["id"]] = seq
        self._records[record["id"]] = record
        for name, index in self._index.items():
            index.setdefault(self._key(name, record.get(name)), []).append(seq)
        return record

    def update(self, record_id: Any, changes: Mapping[str, Any], *, stamp: bool = True) -> Record:
        """Apply ``changes``; a write that changes something also moves ``updated_at``."""
        record = self._records[record_id]
        seq = self._seq[record_id]
        changed = False
        for name, value in changes.items():
            if name in self._index and record.get(name) != value:
                self._unindex(name, record.get(name), seq)
                bisect.insort(self._index[name].setdefault(self._key(name, value), []), seq)
            changed = changed or record.get(name) != value
            record[name] = value
        if stamp and changed and "updated_at" not in changes:
            record["updated_at"] = self.stamp()
        return record

    def delete(self, record_id: Any) -> Record:
        record = self._records.pop(record_id)
        seq = self._seq.pop(record_id)
        self._rows[seq] = None
        for name in self._index:
            self._unindex(name, record.get(name), seq)
        return record

    def clear(self) -> None:
        self._records.clear()
        self._rows.clear()
        self._ids.clear()
        self._seq.clear()
        for index in self._index.values():
            index.clear()

    def find(self, name: str, value: Any) -> list[Record]:
        """Records whose indexed field ``name`` equals ``value``, in creation order."""
        seqs = self._index[name].get(self._key(name, value), [])
        return [self._records[row] for seq in seqs if (row := self._rows[seq]) is not None]

    def seq_of(self, record_id: Any) -> int:
        return self._seq[record_id]

    def seq_after_id(self, record_id: Any) -> int:
        """The last sequence number whose id is at most ``record_id``, for tables whose ids
        rise with their sequence (counters): a page "after id N" is "after this sequence"."""
        return bisect.bisect_right(self._ids, record_id) - 1

    def page(
        self,
        filters: Mapping[str, Any],
        *,
        after: int,
        limit: int,
        since: str | None = None,
        where: Iterable[Predicate] = (),
    ) -> tuple[list[Record], int | None]:
        """Up to ``limit`` matching records after sequence ``after``, and the next ``after``.

        ``filters`` are equalities on indexed fields, ``since`` a lower bound on
        ``updated_at``, ``where`` any other tests. The next ``after`` is None when no
        matching record is left, so the last page says so.
        """
        wanted = {name: self._key(name, value) for name, value in filters.items()}
        tests = list(where)
        if since is not None:
            bound = since
            tests.append(lambda record: bool(record["updated_at"] >= bound))
        out: list[Record] = []
        for seq in self._candidates(wanted, after):
            row = self._rows[seq]
            if row is None:
                continue
            record = self._records[row]
            if any(self._key(n, record.get(n)) != v for n, v in wanted.items()):
                continue
            if not all(test(record) for test in tests):
                continue
            if len(out) == limit:
                return out, self._seq[out[-1]["id"]]
            out.append(record)
        return out, None

    def _candidates(self, wanted: Mapping[str, Any], after: int) -> Iterable[int]:
        if not wanted:
            return range(after + 1, len(self._rows))
        seqs = min((self._index[name].get(value, []) for name, value in wanted.items()), key=len)
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
        if name in self.folded and isinstance(value, str):
            return value.casefold()
        return value
