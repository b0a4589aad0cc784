"""Custom JMESPath functions for ATS data: names, dates, phones, emails, HTML, enums.

jmespath 1.1 allows one signature per function, and a ``variadic`` entry is *required*
(``len(args) >= len(signature)``) while arguments past it are never type-checked: an
optional trailing argument is declared by marking the last required one variadic.
"""

import contextlib
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any, TypeVar, cast

import jmespath
import phonenumbers
from jmespath import exceptions, functions

from engine.dsl import jsonapi

_F = TypeVar("_F", bound=Callable[..., object])
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_WS = re.compile(r"\s+")
_TIME_INPUT = ["string", "number", "null"]


def _signature(*arguments: dict[str, object]) -> Callable[[_F], _F]:
    """Typed wrapper around ``jmespath.functions.signature`` (which has no stubs)."""
    return cast(Callable[[_F], _F], functions.signature(*arguments))


class ConversionError(exceptions.JMESPathError):  # type: ignore[misc]
    """A value given to a conversion function could not be parsed."""

    def __init__(self, function_name: str, value: object, expected: str) -> None:
        self.function_name = function_name
        self.value = value
        super().__init__(f"In function {function_name}(), cannot parse {value!r} as {expected}")


def _optional(name: str, required: int, extra: tuple[object, ...], types: list[str]) -> object:
    """The one optional argument after ``required`` ones (None if absent), checked like jmespath."""
    if len(extra) > 1:
        # ArityError only formats its fields, so "2 or 3" gives "Expected 2 or 3 arguments".
        raise exceptions.ArityError(f"{required} or {required + 1}", required + len(extra), name)
    actual = functions.TYPES_MAP.get(type(extra[0]).__name__, "unknown") if extra else "null"
    if types and actual not in types:
        raise exceptions.JMESPathTypeError(name, extra[0], actual, types)
    return extra[0] if extra else None


def _as_key(value: object) -> str:
    """String form of a scalar, as it would be written as a JSON object key."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value)


def _is_blank(value: object) -> bool:
    return value is None or value == ""


def _to_datetime(name: str, value: object) -> datetime | None:
    """Parse an ISO 8601 string, date-only string or epoch milliseconds into aware UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    with contextlib.suppress(ValueError, OverflowError):  # unparseable: the error below
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip())
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        if isinstance(value, int | float) and math.isfinite(value):
            return _EPOCH + math.floor(value) * _ONE_MS
    raise ConversionError(name, value, "an ISO 8601 date/time or epoch milliseconds")


def _format(moment: datetime) -> str:
    spec = "milliseconds" if moment.microsecond // 1000 else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment, keeping block structure."""

    _PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})
    _BLOCKS = frozenset(
        {"div", "tr", "ul", "ol", "table", "section", "article", "header", "footer", "dt", "dd"}
    )
    _HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._pending = 0  # line breaks owed before the next text
        self._bare = False  # the current line holds only a list bullet
        self._hidden = 0
        self._lists = 0

    def _break(self, wanted: int) -> None:
        if self._parts and not self._bare:
            self._pending = max(self._pending, wanted)

    def _write(self, text: str) -> None:
        if self._pending or not self._parts or self._parts[-1].endswith(" "):
            text = text.lstrip(" ")
        if text:
            self._parts.append("\n" * self._pending + text)
            self._pending, self._bare = 0, False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self._pending += 1
        elif tag in self._PARAGRAPHS:
            self._break(1 if self._lists else 2)
        elif tag == "li":
            self._pending = max(self._pending, 1) if self._parts else 0
            self._parts.append("\n" * self._pending + "  " * max(self._lists - 1, 0) + "- ")
            self._pending, self._bare = 0, True
        elif tag in self._BLOCKS:
            self._lists += tag in ("ul", "ol")
            self._break(1)
        elif tag in ("td", "th") and not self._pending:
            self._write(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(self._hidden - 1, 0)
        elif tag in self._PARAGRAPHS:
            self._break(1 if self._lists else 2)
        elif tag in self._BLOCKS or tag == "li":
            if tag in ("ul", "ol"):
                self._lists = max(self._lists - 1, 0)
            self._break(1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._write(_WS.sub(" ", data))

    def text(self) -> str:
        lines: list[str] = []
        for line in "".join(self._parts).split("\n"):
            line = line.rstrip()
            if line or (lines and lines[-1]):
                lines.append(line)
        return "\n".join(lines).strip()


class ConnectorFunctions(functions.Functions):  # type: ignore[misc]
    """JMESPath builtins plus the functions ATS mappings need."""

    @_signature({"types": ["string", "null"]})
    def _func_split_name(self, full: str | None) -> dict[str, str] | None:
        """Split a full name into first and last name ("Last, First" is understood).

        Example: ``split_name('Ada Lovelace')`` -> ``{"first": "Ada", "last": "Lovelace"}``"""
        if full is None:
            return None
        last, comma, first = full.partition(",")
        if comma and last.strip() and first.strip():
            return {"first": " ".join(first.split()), "last": " ".join(last.split())}
        tokens = full.replace(",", " ").split()
        if len(tokens) < 2:
            return {"first": "".join(tokens), "last": ""}
        return {"first": " ".join(tokens[:-1]), "last": tokens[-1]}

    @_signature({"types": ["string", "null"]})
    def _func_first_name(self, full: str | None) -> str | None:
        """First name(s) of a full name, as split by ``split_name``.

        Example: ``first_name('Lovelace, Ada')`` -> ``"Ada"``"""
        parts = self._func_split_name(full)
        return None if parts is None else parts["first"]

    @_signature({"types": ["string", "null"]})
    def _func_last_name(self, full: str | None) -> str | None:
        """Last name of a full name, as split by ``split_name``.

        Example: ``last_name('Ada King Lovelace')`` -> ``"Lovelace"``"""
        parts = self._func_split_name(full)
        return None if parts is None else parts["last"]

    @_signature({"types": ["string", "null"]}, {"types": ["string", "null"]})
    def _func_join_name(self, first: str | None, last: str | None) -> str | None:
        """Join first and last name with a space, skipping empty parts (null if none).

        Example: ``join_name(' Ada ', 'Lovelace')`` -> ``"Ada Lovelace"``"""
        parts = [part.strip() for part in (first, last) if part and part.strip()]
        return " ".join(parts) or None

    @_signature({"types": _TIME_INPUT})
    def _func_to_iso8601(self, value: str | float | None) -> str | None:
        """ISO 8601 UTC timestamp (``Z``) from ISO text, a date or epoch milliseconds.

        Example: ``to_iso8601('2024-03-01T14:00:00+02:00')`` -> ``"2024-03-01T12:00:00Z"``"""
        moment = _to_datetime("to_iso8601", value)
        return None if moment is None else _format(moment)

    @_signature({"types": _TIME_INPUT})
    def _func_to_epoch_ms(self, value: str | float | None) -> int | None:
        """Epoch milliseconds from ISO text, a date or epoch milliseconds.

        Example: ``to_epoch_ms('2024-03-01T12:00:00Z')`` -> ``1709294400000``"""
        moment = _to_datetime("to_epoch_ms", value)
        return None if moment is None else (moment - _EPOCH) // _ONE_MS

    @_signature({"types": ["number", "null"]})
    def _func_from_epoch_ms(self, ms: float | None) -> str | None:
        """ISO 8601 UTC timestamp from epoch milliseconds.

        Example: ``from_epoch_ms(`1709294400123`)`` -> ``"2024-03-01T12:00:00.123Z"``"""
        moment = _to_datetime("from_epoch_ms", ms)
        return None if moment is None else _format(moment)

    @_signature({"types": _TIME_INPUT})
    def _func_to_date(self, value: str | float | None) -> str | None:
        """UTC calendar date ``YYYY-MM-DD`` from ISO text, a date or epoch milliseconds.

        Example: ``to_date('2024-03-01T01:00:00+02:00')`` -> ``"2024-02-29"``"""
        moment = _to_datetime("to_date", value)
        return None if moment is None else moment.date().isoformat()

    @_signature({"types": ["string", "null"]})
    def _func_lower(self, s: str | None) -> str | None:
        """Lower-case a string.

        Example: ``lower('ADA')`` -> ``"ada"``"""
        return None if s is None else s.lower()

    @_signature({"types": ["string", "null"]})
    def _func_upper(self, s: str | None) -> str | None:
        """Upper-case a string.

        Example: ``upper('ada')`` -> ``"ADA"``"""
        return None if s is None else s.upper()

    @_signature({"types": ["string", "null"]})
    def _func_trim(self, s: str | None) -> str | None:
        """Strip leading and trailing whitespace.

        Example: ``trim('  Ada ')`` -> ``"Ada"``"""
        return None if s is None else s.strip()

    @_signature(
        {"types": ["string", "number", "boolean", "null"]}, {"types": ["object"], "variadic": True}
    )
    def _func_map_enum(self, value: object, mapping: dict[str, object], *default: object) -> object:
        """Translate a value through an object literal, else the optional default, else null.

        Example: ``map_enum('Site Admin', `{"Site Admin": "admin"}`, 'viewer')`` -> ``"admin"``"""
        fallback = _optional("map_enum", 2, default, [])
        if value is not None and _as_key(value) in mapping:
            return mapping[_as_key(value)]
        return fallback

    @_signature({"types": []}, {"types": []})
    def _func_default(self, value: object, fallback: object) -> object:
        """The value, or the fallback when the value is null or an empty string.

        Example: ``default('', 'n/a')`` -> ``"n/a"``"""
        return fallback if _is_blank(value) else value

    @_signature({"types": ["string", "number", "null"], "variadic": True})
    def _func_normalize_phone(self, value: str | float | None, *region: object) -> str | None:
        """E.164 phone number (default region US), or null when it is not a valid number.

        Example: ``normalize_phone('(415) 555-0123')`` -> ``"+14155550123"``"""
        country = _optional("normalize_phone", 1, region, ["string", "null"])
        if value is None:
            return None
        try:
            number = phonenumbers.parse(_as_key(value), str(country or "US").upper())
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @_signature({"types": ["string", "null"]})
    def _func_normalize_email(self, value: str | None) -> str | None:
        """Trimmed, lower-cased email address (``Name <addr>`` accepted), null if implausible.

        Example: ``normalize_email(' Ada <ADA@Example.COM> ')`` -> ``"ada@example.com"``"""
        if value is None:
            return None
        address = value.strip()
        if address.endswith(">") and "<" in address:
            address = address[address.rindex("<") + 1 : -1].strip()
        address = address.lower()
        local, _, domain = address.partition("@")
        labels = domain.split(".")
        if (
            address.count("@") != 1
            or not local
            or len(labels) < 2
            or not all(labels)
            or any(char.isspace() or char in "<>" for char in address)
        ):
            return None
        return address

    @_signature({"types": ["string", "null"]})
    def _func_html_to_text(self, value: str | None) -> str | None:
        """Plain text from HTML: blocks become lines, list items ``- ``, scripts dropped.

        Example: ``html_to_text('<p>A &amp; B</p><ul><li>C</li></ul>')`` -> ``"A & B\\n\\n- C"``"""
        if value is None:
            return None
        parser = _TextExtractor()
        parser.feed(value)
        parser.close()
        return parser.text()

    @_signature({"types": ["string", "null"]}, {"types": ["string"]})
    def _func_split(self, s: str | None, sep: str) -> list[str] | None:
        """Split a string on a separator (an empty separator splits on whitespace runs).

        Example: ``split('a,b,c', ',')`` -> ``["a", "b", "c"]``"""
        if s is None:
            return None
        return s.split(sep) if sep else s.split()

    @_signature({"types": [], "variadic": True})
    def _func_concat(self, *values: object) -> str:
        """Concatenate the non-null arguments as strings.

        Example: ``concat('req-', `42`, null)`` -> ``"req-42"``"""
        return "".join(
            value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
            for value in values
            if value is not None
        )

    @_signature({"types": [], "variadic": True})
    def _func_coalesce(self, *values: object) -> object:
        """First argument that is neither null nor an empty string (else null).

        Example: ``coalesce(null, '', 'Ada')`` -> ``"Ada"``"""
        return next((value for value in values if not _is_blank(value)), None)

    @_signature({"types": ["object", "null"]})
    def _func_jsonapi(self, document: dict[str, Any] | None) -> object:
        """A JSON:API document's ``data`` with each relationship's resource from ``included``.

        Each relationship of a record whose linkage names a resource that ``included``
        holds gets it as ``included`` beside its ``data`` (a to-many one, a list), so a
        list page maps in one expression what it sideloaded:
        ``jsonapi(@)[].relationships.stage.included.attributes.name``.

        Example: ``jsonapi(`{"data": {"relationships": {"stage": {"data": {"type": "stages", "id": "3"}}}}, "included": [{"type": "stages", "id": "3", "attributes": {"name": "Inbox"}}]}`).relationships.stage.included.attributes.name`` -> ``"Inbox"``"""
        return None if document is None else jsonapi.resolve(document)


OPTIONS: jmespath.Options = jmespath.Options(custom_functions=ConnectorFunctions())

FUNCTION_NAMES: frozenset[str] = frozenset(ConnectorFunctions.FUNCTION_TABLE)

CUSTOM_FUNCTIONS: Mapping[str, str] = MappingProxyType(
    {
        name.removeprefix("_func_"): (method.__doc__ or "").strip().splitlines()[0]
        for name, method in vars(ConnectorFunctions).items()
        if name.startswith("_func_") and hasattr(method, "signature")
    }
)


def search(expression: jmespath.parser.ParsedResult, data: object) -> object:
    """Evaluate a compiled ``jmespath.parser.ParsedResult`` against data with our functions."""
    return expression.search(data, options=OPTIONS)
