import pytest

from pyk8s.api.errors import BadRequest
from pyk8s.api.labels import parse_selector, selector_from_label_selector


def test_equality_set_and_existence_requirements():
    selector = parse_selector("app=web,tier!=db,env in (prod,stage),zone notin (a),team,!legacy")
    assert selector.matches({"app": "web", "env": "prod", "team": "x", "zone": "b"})
    assert not selector.matches({"app": "web", "env": "dev", "team": "x"})
    assert not selector.matches({"app": "web", "env": "prod", "team": "x", "legacy": ""})
    assert not selector.matches({"app": "web", "env": "prod"})  # team must exist
    assert not selector.matches({"app": "web", "env": "prod", "team": "x", "tier": "db"})


def test_canonical_text_sorts_by_key_and_values():
    selector = parse_selector("b in (y, x),a==1, !c")
    assert str(selector) == "a==1,b in (x,y),!c"


def test_in_and_notin_are_values_inside_parentheses():
    assert parse_selector("x in (in,notin)").matches({"x": "notin"})


def test_numeric_comparisons():
    selector = parse_selector("replicas>2,size<10")
    assert selector.matches({"replicas": "3", "size": "9"})
    assert not selector.matches({"replicas": "2", "size": "9"})
    assert not selector.matches({"replicas": "x", "size": "9"})


def test_empty_values_and_empty_selector():
    assert parse_selector("a=").matches({"a": ""})
    assert parse_selector("a in ()").matches({"a": ""})
    everything = parse_selector("")
    assert everything.empty and everything.matches(None)


def test_exact_match_lookup():
    selector = parse_selector("app=web,tier in (a,b)")
    assert selector.requires_exact_match("app") == "web"
    assert selector.requires_exact_match("tier") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a=b,", "found '', expected: identifier after ','"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        ("a in x", "unable to parse requirement: found 'x' expected: '('"),
        (
            "a=b c d",
            "found 'c', expected: ',' or 'end of string'",
        ),
    ],
)
def test_syntax_errors_carry_kubernetes_messages(text, message):
    with pytest.raises(BadRequest) as error:
        parse_selector(text)
    assert error.value.message == message


def test_invalid_keys_and_values_are_reported_with_their_paths():
    with pytest.raises(BadRequest) as error:
        parse_selector("app=a b")
    assert error.value.message.startswith("found 'b', expected: ',' or 'end of string'")
    with pytest.raises(BadRequest) as error:
        parse_selector("app=-x")
    assert error.value.message.startswith(
        'unable to parse requirement: values[0][app]: Invalid value: "-x": a valid label must be'
    )
    with pytest.raises(BadRequest) as error:
        parse_selector("-app=x")
    assert error.value.message.startswith(
        'unable to parse requirement: <nil>: Invalid value: "-app": name part must consist of'
    )


def test_label_selector_objects():
    assert not selector_from_label_selector(None).matches({"a": "b"})
    assert selector_from_label_selector({}).matches({"a": "b"})
    selector = selector_from_label_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["fe", "be"]},
                {"key": "legacy", "operator": "DoesNotExist"},
            ],
        }
    )
    assert str(selector) == "app=web,!legacy,tier in (be,fe)"
    assert selector.matches({"app": "web", "tier": "fe"})
    assert not selector.matches({"app": "web", "tier": "fe", "legacy": "1"})


def test_label_selector_object_errors():
    with pytest.raises(BadRequest) as error:
        selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": "Near"}]})
    assert error.value.message == '"Near" is not a valid label selector operator'
    with pytest.raises(BadRequest) as error:
        selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": "In"}]})
    assert error.value.message == (
        "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
    )
