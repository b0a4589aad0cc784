"""Template injection: payloads in spec strings are rejected, payloads in data are inert."""

from __future__ import annotations

import jinja2
import pytest
from jinja2.exceptions import SecurityError
from markupsafe import escape

from engine.dsl.expressions import ExpressionError, Template
from engine.web.pages import render

# Server-side template injection, as written into a spec's template strings.
SPEC_PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ secrets.__class__.__init__.__globals__ }}",
    "{{ tenant.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__ }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ secrets|attr('__class__') }}",
    "{{ (secrets|attr('__class__')|attr('__mro__')) }}",
    "{{ ''['__class__'] }}",
    "{{ secrets.update({'x': 1}) }}",
    "{{ range(10**9)|list }}",
    "{% import 'os' as os %}",
    "{% include '/etc/passwd' %}",
    "{% extends '/etc/passwd' %}",
    "{{ get_flashed_messages.__globals__ }}",
    "{{ url_for.__globals__ }}",
    "{{ [].pop.__self__ }}",
]

# What a hostile ATS or suite record could carry into a widget.
DATA_PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% raw %}{{ 7*7 }}{% endraw %}",
    "${7*7}",
    '<a href="javascript:alert(1)">x</a>',
    "</style><script>alert(1)</script>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


# Spec strings that try the same tricks but that the sandbox renders as plain text:
# they reach the leak check with real output, so that check is known to run.
INERT_PAYLOADS = {
    "{{ '{{ 7*7 }}' }}": "{{ 7*7 }}",  # a template inside a string is never rendered twice
    "{{ tenant ~ '{{ secrets }}' }}": "acme{{ secrets }}",
    "{{ '{0}'.format(tenant) }}": "acme",  # the sandbox's str.format, no attribute lookup
    "{{ '%s'|format(tenant) }}": "acme",
    "{{ tenant|replace('acme', '{% raw %}') }}": "{% raw %}",
}

# What a leak would show: names and reprs of Python internals, or a command's output.
LEAKS = ("class", "globals", "subclasses", "popen", "<module", "<function", "<built-in",
         "<bound method", "object at 0x", "__builtins__", "uid=")  # fmt: skip
ALLOWED_VARIABLES = {"secrets", "tenant", "id", "since"}


def _outcome(payload: str) -> tuple[str, str]:
    """Where a spec string is stopped, ``("load" | "lint" | "render", "")``, or
    ``("rendered", text)`` when it renders: ``_outcome("{{ tenant }}") == ("rendered", "acme")``."""
    try:
        template = Template.compile(payload)
    except ExpressionError:
        return "load", ""  # refused when the spec loads
    if template.variables - ALLOWED_VARIABLES:
        return "lint", ""  # lint refuses a template that reads a variable its place lacks
    try:
        rendered = template.render(secrets={"k": "v"}, tenant="acme", id=1, since="x")
    except (SecurityError, jinja2.UndefinedError, jinja2.TemplateError, OverflowError):
        return "render", ""
    return "rendered", rendered


def _leaks(rendered: str) -> list[str]:
    return [leak for leak in LEAKS if leak in rendered]


@pytest.mark.parametrize("payload", SPEC_PAYLOADS)
def test_spec_template_payloads_are_rejected(payload: str) -> None:
    stage, rendered = _outcome(payload)  # refused at one stage, or rendered inert
    assert _leaks(rendered) == [], f"{payload!r} got past {stage}: {rendered!r}"


@pytest.mark.parametrize(("payload", "expected"), INERT_PAYLOADS.items())
def test_inert_spec_strings_render_and_leak_nothing(payload: str, expected: str) -> None:
    stage, rendered = _outcome(payload)
    assert (stage, rendered) == ("rendered", expected)
    assert _leaks(rendered) == [], f"{payload!r} rendered {rendered!r}"


def test_the_leak_check_sees_python_internals() -> None:
    # what the payloads above would render if the sandbox let them through
    for leaked in ("<class 'str'>", "{'__builtins__': {...}}", "uid=0(root) gid=0(root)",
                   "<built-in method upper of str object at 0x7f3c>", "<module 'os'>"):  # fmt: skip
        assert _leaks(leaked), leaked


@pytest.mark.parametrize("payload", DATA_PAYLOADS)
def test_data_payloads_render_as_text(payload: str) -> None:
    page = render(
        "job_questions.html",
        {"project": {"name": payload}, "questions": [{"text": payload, "time_limit_seconds": 60}]},
    )
    assert payload not in page or payload == str(escape(payload))
    assert str(escape(payload)) in page
    assert "<script>alert" not in page and "onerror=alert" not in page.replace(
        "onerror=alert(1)&gt;", ""
    )
    assert "49" not in page  # no template in data is ever evaluated


def test_there_are_at_least_thirty_payloads() -> None:
    assert len(SPEC_PAYLOADS) + len(DATA_PAYLOADS) >= 30
    assert len(INERT_PAYLOADS) >= 5
