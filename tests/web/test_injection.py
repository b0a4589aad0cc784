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


@pytest.mark.parametrize("payload", SPEC_PAYLOADS)
def test_spec_template_payloads_are_rejected(payload: str) -> None:
    allowed = {"secrets", "tenant", "id", "since"}
    try:
        template = Template.compile(payload)
    except ExpressionError:
        return  # refused when the spec loads
    if template.variables - allowed:
        return  # lint refuses a template that reads a variable its place does not provide
    try:
        rendered = template.render(secrets={"k": "v"}, tenant="acme", id=1, since="x")
    except (SecurityError, jinja2.UndefinedError, jinja2.TemplateError, OverflowError):
        return  # refused when rendered
    for leak in ("class", "globals", "subclasses", "popen", "<module"):  # or rendered inert
        assert leak not in rendered


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
