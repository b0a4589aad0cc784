"""Custom JMESPath functions, each case evaluated through a compiled expression."""

import json
import re
from typing import Any, cast

import jmespath
import pytest
from jmespath import exceptions

from engine.dsl.functions import (
    CUSTOM_FUNCTIONS,
    FUNCTION_NAMES,
    OPTIONS,
    ConnectorFunctions,
    ConversionError,
    search,
)


def run(expression: str, data: object = None) -> object:
    return search(jmespath.compile(expression), data)


def check(expression: str, data: object, expected: object) -> None:
    assert run(expression, data) == expected


NAME_CASES = [
    ("split_name(@)", "Ada Lovelace", {"first": "Ada", "last": "Lovelace"}),
    ("split_name(@)", "Ada King Lovelace", {"first": "Ada King", "last": "Lovelace"}),
    ("split_name(@)", "  Ada   King \t Lovelace ", {"first": "Ada King", "last": "Lovelace"}),
    ("split_name(@)", "Lovelace, Ada", {"first": "Ada", "last": "Lovelace"}),
    ("split_name(@)", "van der Berg,  Jan Piet", {"first": "Jan Piet", "last": "van der Berg"}),
    ("split_name(@)", "José María García", {"first": "José María", "last": "García"}),
    ("split_name(@)", "Åsa\u00a0Ödegård", {"first": "Åsa", "last": "Ödegård"}),
    ("split_name(@)", "李 小龍", {"first": "李", "last": "小龍"}),
    ("split_name(@)", "Madonna", {"first": "Madonna", "last": ""}),
    ("split_name(@)", "Madonna,", {"first": "Madonna", "last": ""}),
    ("split_name(@)", "", {"first": "", "last": ""}),
    ("split_name(@)", None, None),
    ("split_name(name)", {}, None),
    ("first_name(@)", "Grace Brewster Hopper", "Grace Brewster"),
    ("first_name(@)", "Hopper, Grace", "Grace"),
    ("first_name(@)", "Zoë", "Zoë"),
    ("first_name(@)", None, None),
    ("last_name(@)", "Grace Brewster Hopper", "Hopper"),
    ("last_name(@)", "Hopper, Grace", "Hopper"),
    ("last_name(@)", "Zoë", ""),
    ("last_name(@)", None, None),
    ("join_name(first, last)", {"first": "Ada", "last": "Lovelace"}, "Ada Lovelace"),
    ("join_name(first, last)", {"first": "  Ada ", "last": " Lovelace  "}, "Ada Lovelace"),
    ("join_name(first, last)", {"first": "Ada", "last": None}, "Ada"),
    ("join_name(first, last)", {"first": "", "last": "Lovelace"}, "Lovelace"),
    ("join_name(first, last)", {"first": "  ", "last": None}, None),
    ("join_name(first, last)", {}, None),
    ("join_name(first_name(n), last_name(n))", {"n": "Łukasz Żółć"}, "Łukasz Żółć"),
]


@pytest.mark.parametrize(("expression", "data", "expected"), NAME_CASES)
def test_name_functions(expression: str, data: object, expected: object) -> None:
    check(expression, data, expected)


TIME_CASES = [
    ("to_iso8601(@)", "2024-03-01T12:00:00Z", "2024-03-01T12:00:00Z"),
    ("to_iso8601(@)", "2024-03-01T14:00:00+02:00", "2024-03-01T12:00:00Z"),
    ("to_iso8601(@)", "2024-03-01T07:30:00-05:00", "2024-03-01T12:30:00Z"),
    ("to_iso8601(@)", "2024-03-01T01:00:00+02:00", "2024-02-29T23:00:00Z"),
    ("to_iso8601(@)", "2024-03-01T12:00:00", "2024-03-01T12:00:00Z"),
    ("to_iso8601(@)", "2024-03-01 12:00:00", "2024-03-01T12:00:00Z"),
    ("to_iso8601(@)", "2024-03-01T12:00:00.123Z", "2024-03-01T12:00:00.123Z"),
    ("to_iso8601(@)", "2024-03-01T12:00:00.123999Z", "2024-03-01T12:00:00.123Z"),
    ("to_iso8601(@)", "2024-03-01T12:00:00.000+00:00", "2024-03-01T12:00:00Z"),
    ("to_iso8601(@)", "2024-03-01", "2024-03-01T00:00:00Z"),
    ("to_iso8601(@)", " 2024-03-01 ", "2024-03-01T00:00:00Z"),
    ("to_iso8601(@)", 1709294400000, "2024-03-01T12:00:00Z"),
    ("to_iso8601(@)", 1709294400123, "2024-03-01T12:00:00.123Z"),
    ("to_iso8601(@)", 0, "1970-01-01T00:00:00Z"),
    ("to_iso8601(@)", -1, "1969-12-31T23:59:59.999Z"),
    ("to_iso8601(@)", "0005-01-01", "0005-01-01T00:00:00Z"),
    ("to_iso8601(@)", "20240301T120000Z", "2024-03-01T12:00:00Z"),
    ("to_iso8601(@)", None, None),
    ("to_iso8601(@)", "", None),
    ("to_iso8601(created_at)", {}, None),
    ("to_epoch_ms(@)", "2024-03-01T12:00:00Z", 1709294400000),
    ("to_epoch_ms(@)", "2024-03-01T14:00:00.250+02:00", 1709294400250),
    ("to_epoch_ms(@)", "2024-03-01", 1709251200000),
    ("to_epoch_ms(@)", 1709294400123, 1709294400123),
    ("to_epoch_ms(@)", 1709294400123.9, 1709294400123),
    ("to_epoch_ms(@)", None, None),
    ("from_epoch_ms(@)", 1709294400000, "2024-03-01T12:00:00Z"),
    ("from_epoch_ms(@)", 1709294400123, "2024-03-01T12:00:00.123Z"),
    ("from_epoch_ms(@)", 1709294400005.0, "2024-03-01T12:00:00.005Z"),
    ("from_epoch_ms(@)", None, None),
    ("from_epoch_ms(to_epoch_ms(@))", "2024-03-01T14:00:00.5+02:00", "2024-03-01T12:00:00.500Z"),
    ("to_epoch_ms(from_epoch_ms(@))", 1709294400123, 1709294400123),
    ("to_epoch_ms(from_epoch_ms(@))", -86400001, -86400001),
    ("to_date(@)", "2024-03-01T12:00:00Z", "2024-03-01"),
    ("to_date(@)", "2024-03-01T01:00:00+02:00", "2024-02-29"),
    ("to_date(@)", "2024-03-01T23:30:00-01:00", "2024-03-02"),
    ("to_date(@)", "2024-03-01", "2024-03-01"),
    ("to_date(@)", 1709294400000, "2024-03-01"),
    ("to_date(@)", None, None),
    # A projection drops null results; map() keeps them in place.
    ("[].to_date(@)", ["2024-01-02", None, 0], ["2024-01-02", "1970-01-01"]),
    ("map(&to_date(@), @)", ["2024-01-02", None, 0], ["2024-01-02", None, "1970-01-01"]),
]


@pytest.mark.parametrize(("expression", "data", "expected"), TIME_CASES)
def test_time_functions(expression: str, data: object, expected: object) -> None:
    check(expression, data, expected)


@pytest.mark.parametrize(
    ("expression", "data", "bad"),
    [
        ("to_iso8601(@)", "next tuesday", "next tuesday"),
        ("to_iso8601(@)", "2024-02-30", "2024-02-30"),
        ("to_iso8601(hired)", {"hired": "01/03/2024"}, "01/03/2024"),
        ("to_epoch_ms(@)", "2024-13-01T00:00:00Z", "2024-13-01T00:00:00Z"),
        ("to_date(@)", "yesterday", "yesterday"),
        ("from_epoch_ms(@)", 1e20, "1e+20"),
    ],
)
def test_time_functions_reject_unparseable(expression: str, data: object, bad: str) -> None:
    with pytest.raises(ConversionError) as caught:
        run(expression, data)
    assert bad in str(caught.value)
    assert expression.split("(")[0] in str(caught.value)
    assert isinstance(caught.value, exceptions.JMESPathError)


@pytest.mark.parametrize(
    ("expression", "data"),
    [("to_iso8601(@)", True), ("to_date(@)", [1]), ("from_epoch_ms(@)", "1709294400000")],
)
def test_time_functions_type_check(expression: str, data: object) -> None:
    with pytest.raises(exceptions.JMESPathTypeError):
        run(expression, data)


STRING_CASES = [
    ("lower(@)", "ÀDA Lovelace", "àda lovelace"),
    ("lower(@)", None, None),
    ("upper(@)", "straße", "STRASSE"),
    ("upper(@)", "", ""),
    ("upper(@)", None, None),
    ("trim(@)", "  Ada \n\t", "Ada"),
    ("trim(@)", "\u00a0Ada\u00a0", "Ada"),
    ("trim(@)", None, None),
    ("split(@, ',')", "a,b,,c", ["a", "b", "", "c"]),
    ("split(@, ', ')", "Python, SQL", ["Python", "SQL"]),
    ("split(@, ',')[*].trim(@)", " a , b ", ["a", "b"]),
    ("split(@, '')", " a  b\tc ", ["a", "b", "c"]),
    ("split(@, ',')", "", [""]),
    ("split(@, ',')", None, None),
    ("concat(first, ' ', last)", {"first": "Ada", "last": "Lovelace"}, "Ada Lovelace"),
    ("concat('req-', id)", {"id": 42}, "req-42"),
    ("concat('x', flag, n, missing)", {"flag": True, "n": 1.5}, "xtrue1.5"),
    ("concat(missing)", {}, ""),
    ("concat('é', 'ß')", None, "éß"),
    ("coalesce(a, b, c)", {"a": None, "b": "", "c": "Ada"}, "Ada"),
    ("coalesce(a, b)", {"a": 0, "b": "x"}, 0),
    ("coalesce(a, b)", {"a": [], "b": "x"}, []),
    ("coalesce(a, b)", {}, None),
    ("default(a, 'n/a')", {"a": "Ada"}, "Ada"),
    ("default(a, 'n/a')", {"a": ""}, "n/a"),
    ("default(a, 'n/a')", {}, "n/a"),
    ("default(a, `0`)", {"a": False}, False),
    ("default(a, b)", {"a": None, "b": None}, None),
]


@pytest.mark.parametrize(("expression", "data", "expected"), STRING_CASES)
def test_string_functions(expression: str, data: object, expected: object) -> None:
    check(expression, data, expected)


ROLES = '`{"Site Admin": "admin", "Recruiter": "recruiter", "1": "one", "true": "yes"}`'
ENUM_CASES = [
    (f"map_enum(@, {ROLES})", "Site Admin", "admin"),
    (f"map_enum(@, {ROLES}, 'viewer')", "Recruiter", "recruiter"),
    (f"map_enum(@, {ROLES}, 'viewer')", "Interviewer", "viewer"),
    (f"map_enum(@, {ROLES})", "Interviewer", None),
    (f"map_enum(@, {ROLES}, 'viewer')", None, "viewer"),
    (f"map_enum(@, {ROLES})", None, None),
    (f"map_enum(@, {ROLES})", "site admin", None),
    (f"map_enum(@, {ROLES})", 1, "one"),
    (f"map_enum(@, {ROLES})", 1.0, "one"),
    (f"map_enum(@, {ROLES})", True, "yes"),
    (f"map_enum(@, {ROLES}, `null`)", "nope", None),
    (f"map_enum(@, {ROLES}, `0`)", "nope", 0),
    ('map_enum(@, `{"a": {"n": 1}}`)', "a", {"n": 1}),
    (
        f"users[].map_enum(role, {ROLES}, 'viewer')",
        {"users": [{"role": "Recruiter"}, {}]},
        ["recruiter", "viewer"],
    ),
]


@pytest.mark.parametrize(("expression", "data", "expected"), ENUM_CASES)
def test_map_enum(expression: str, data: object, expected: object) -> None:
    check(expression, data, expected)


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("map_enum(@)", exceptions.ArityError),
        ("map_enum(@, `{}`, 'a', 'b')", exceptions.ArityError),
        ("map_enum(@, 'not an object')", exceptions.JMESPathTypeError),
        ("normalize_phone('4155550123', 'US', 'x')", exceptions.ArityError),
        ("normalize_phone('4155550123', `1`)", exceptions.JMESPathTypeError),
        ("normalize_phone(`true`)", exceptions.JMESPathTypeError),
        ("split_name(`1`)", exceptions.JMESPathTypeError),
        ("concat()", exceptions.ArityError),
    ],
)
def test_argument_errors(expression: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        run(expression, "Site Admin")


PHONE_CASES = [
    ("normalize_phone(@)", "+14155550123", "+14155550123"),
    ("normalize_phone(@)", "(415) 555-0123", "+14155550123"),
    ("normalize_phone(@)", "415 555 0123", "+14155550123"),
    ("normalize_phone(@)", "415.555.0123", "+14155550123"),
    ("normalize_phone(@)", "1-415-555-0123", "+14155550123"),
    ("normalize_phone(@)", " +1 (415) 555-0123 ext. 7 ", "+14155550123"),
    ("normalize_phone(@)", 4155550123, "+14155550123"),
    ("normalize_phone(@)", "+44 20 7946 0958", "+442079460958"),
    ("normalize_phone(@)", "+44 (0)20 7946 0958", "+442079460958"),
    ("normalize_phone(@, 'GB')", "020 7946 0958", "+442079460958"),
    ("normalize_phone(@, 'gb')", "020-7946-0958", "+442079460958"),
    ("normalize_phone(@, 'GB')", "+1 415 555 0123", "+14155550123"),
    ("normalize_phone(@, `null`)", "415-555-0123", "+14155550123"),
    ("normalize_phone(@)", "020 7946 0958", None),
    ("normalize_phone(@)", "12345", None),
    ("normalize_phone(@)", "not a phone", None),
    ("normalize_phone(@)", "", None),
    ("normalize_phone(@, 'ZZ')", "4155550123", None),
    ("normalize_phone(@)", None, None),
    ("normalize_phone(phone)", {}, None),
]


@pytest.mark.parametrize(("expression", "data", "expected"), PHONE_CASES)
def test_normalize_phone(expression: str, data: object, expected: object) -> None:
    check(expression, data, expected)


EMAIL_CASES = [
    ("ada@example.com", "ada@example.com"),
    ("  Ada.Lovelace@Example.COM \n", "ada.lovelace@example.com"),
    ("Ada Lovelace <ADA@example.com>", "ada@example.com"),
    ('"Lovelace, Ada" < ada@example.co.uk >', "ada@example.co.uk"),
    ("ada+jobs@sub.example.org", "ada+jobs@sub.example.org"),
    ("ada@localhost", None),
    ("ada@example.", None),
    ("ada@.com", None),
    ("@example.com", None),
    ("ada@@example.com", None),
    ("ada@exa mple.com", None),
    ("ada.example.com", None),
    ("Ada Lovelace", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("data", "expected"), EMAIL_CASES)
def test_normalize_email(data: object, expected: object) -> None:
    check("normalize_email(@)", data, expected)


HTML_CASES = [
    ("<p>Hello&nbsp;world</p>", "Hello world"),
    ("<p>Salt &amp; pepper &lt;3 &#233;&eacute;</p>", "Salt & pepper <3 éé"),
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("<div>One</div><div>Two</div>", "One\nTwo"),
    ("Line one<br>Line two<br/>Line three", "Line one\nLine two\nLine three"),
    ("a<br><br><br><br>b", "a\n\nb"),
    ("<h2>Role</h2>We   are\n   hiring.", "Role\n\nWe are hiring."),
    ("<ul><li>One</li><li>Two</li></ul>", "- One\n- Two"),
    (
        "<p>Skills:</p><ul><li>Python<ul><li>asyncio</li><li>typing</li></ul></li>"
        "<li>SQL</li></ul><p>Thanks</p>",
        "Skills:\n\n- Python\n  - asyncio\n  - typing\n- SQL\n\nThanks",
    ),
    ("<ol><li>  First  <b>bold</b> </li><li>Second", "- First bold\n- Second"),
    ("<ul><li><p>One</p></li><li><div>Two</div></li></ul>After", "- One\n- Two\nAfter"),
    (
        "<h1>Job</h1><div>About <b>us</b>:<br>We&#39;re small.</div>",
        "Job\n\nAbout us:\nWe're small.",
    ),
    ("<p>Hi</p><script>alert('x')</script><style>p {color: red}</style><p>Bye</p>", "Hi\n\nBye"),
    (
        "<table><tr><td>Name</td><td>Ada</td></tr><tr><td>Role</td><td>Eng</td></tr></table>",
        "Name Ada\nRole Eng",
    ),
    ("  <div><p></p></div>  ", ""),
    ("plain text, no tags", "plain text, no tags"),
    ("<p>unclosed <i>tags", "unclosed tags"),
    ("", ""),
    (None, None),
]


@pytest.mark.parametrize(("data", "expected"), HTML_CASES)
def test_html_to_text(data: object, expected: object) -> None:
    check("html_to_text(@)", data, expected)


def test_function_names_cover_builtins_and_custom() -> None:
    assert "length" in FUNCTION_NAMES
    assert "not_null" in FUNCTION_NAMES
    assert "map_enum" in FUNCTION_NAMES
    assert set(CUSTOM_FUNCTIONS) <= FUNCTION_NAMES
    assert set(CUSTOM_FUNCTIONS) == {
        "split_name", "first_name", "last_name", "join_name", "to_iso8601", "to_epoch_ms",
        "from_epoch_ms", "to_date", "lower", "upper", "trim", "map_enum", "default",
        "normalize_phone", "normalize_email", "html_to_text", "split", "concat", "coalesce",
        "jsonapi",
    }  # fmt: skip
    assert "length" not in CUSTOM_FUNCTIONS
    assert run("length(@)", "abc") == 3
    assert isinstance(OPTIONS.custom_functions, ConnectorFunctions)


EXAMPLE = re.compile(r"Example: ``(.+?)`` -> ``(.+)``$", re.MULTILINE)


@pytest.mark.parametrize("name", sorted(CUSTOM_FUNCTIONS))
def test_custom_functions_are_documented(name: str) -> None:
    summary = CUSTOM_FUNCTIONS[name]
    assert summary.endswith(".")
    doc = getattr(ConnectorFunctions, f"_func_{name}").__doc__
    assert doc.strip().splitlines()[0] == summary
    example = EXAMPLE.search(doc)
    assert example, f"{name} has no 'Example: ``expr`` -> ``result``' line"
    expression, result = example.groups()
    assert expression.startswith(f"{name}(")
    assert run(expression) == json.loads(result)


def test_plain_jmespath_does_not_know_custom_functions() -> None:
    with pytest.raises(exceptions.UnknownFunctionError):
        jmespath.compile("map_enum(@, `{}`)").search("x")


def test_jsonapi_puts_each_included_resource_beside_its_linkage() -> None:
    document = {
        "data": [
            {"id": "1", "relationships": {"stage": {"data": {"type": "stages", "id": "3"}},
                                          "job": {"data": {"type": "jobs", "id": "9"}},
                                          "tags": {"data": [{"type": "tags", "id": "t"}]}}},
            {"id": "2", "relationships": {"stage": {"data": None}}},
            {"id": "3"},
        ],
        "included": [{"type": "stages", "id": "3", "attributes": {"name": "Inbox"}},
                     {"type": "tags", "id": "t", "attributes": {"name": "remote"}}],
    }  # fmt: skip
    expression = jmespath.compile("jsonapi(@)[].relationships.stage.included.attributes.name")
    assert search(expression, document) == ["Inbox"]
    first = cast(dict[str, Any], search(jmespath.compile("jsonapi(@)[0].relationships"), document))
    assert first["job"] == {"data": {"type": "jobs", "id": "9"}, "included": None}  # not sent
    assert first["tags"]["included"] == [
        {"type": "tags", "id": "t", "attributes": {"name": "remote"}}
    ]
    one = {"data": {"id": "1", "relationships": {"stage": {"data": {"type": "stages", "id": "3"}}}},
           "included": document["included"]}  # fmt: skip
    single = jmespath.compile("jsonapi(@).relationships.stage.included.attributes.name")
    assert search(single, one) == "Inbox"
    assert search(jmespath.compile("jsonapi(missing)"), {}) is None
