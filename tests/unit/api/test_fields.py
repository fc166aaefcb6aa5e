import pytest

from pyk8s.api.errors import BadRequest
from pyk8s.api.fields import escape_value, parse_field_selector


def test_equality_and_inequality_terms():
    selector = parse_field_selector("spec.nodeName=node1,status.phase!=Succeeded")
    assert selector.fields() == {"spec.nodeName", "status.phase"}
    assert selector.matches({"spec.nodeName": "node1", "status.phase": "Running"})
    assert not selector.matches({"spec.nodeName": "node1", "status.phase": "Succeeded"})
    assert not selector.matches({"spec.nodeName": "node2", "status.phase": "Running"})
    assert selector.single_value("spec.nodeName") == "node1"
    assert selector.single_value("status.phase") is None


def test_double_equals_and_empty_values():
    selector = parse_field_selector("metadata.name==web,spec.nodeName=")
    assert selector.matches({"metadata.name": "web"})  # an unset field is ""
    assert str(selector) == "metadata.name=web,spec.nodeName="


def test_empty_selector_matches_everything():
    selector = parse_field_selector("")
    assert selector.empty and selector.matches({})


def test_escaped_values():
    selector = parse_field_selector(r"metadata.name=a\,b\=c")
    assert selector.single_value("metadata.name") == "a,b=c"
    assert escape_value("a,b=c\\") == r"a\,b\=c\\"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        (r"a=b\x", r"invalid field selector: invalid escape sequence: \x"),
    ],
)
def test_malformed_selectors_are_bad_requests(text, message):
    with pytest.raises(BadRequest) as error:
        parse_field_selector(text)
    assert error.value.message == message
