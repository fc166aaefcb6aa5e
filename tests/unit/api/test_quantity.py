import pytest

from pyk8s.api.quantity import FORMAT_ERROR, SUFFIX_ERROR, Quantity, QuantityError, canonical


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1.5", "1500m"),
        ("0.5", "500m"),
        ("1000m", "1"),
        ("100m", "100m"),
        ("1.5Gi", "1536Mi"),
        ("1024Mi", "1Gi"),
        ("1536Mi", "1536Mi"),
        ("1.5Ki", "1536"),  # binary but not a whole number of Ki: printed in decimal
        ("0.1Ki", "102400m"),
        ("1Ki", "1Ki"),
        ("3000", "3k"),
        ("2048", "2048"),
        ("128974848", "128974848"),
        ("129e6", "129e6"),
        ("1e3", "1e3"),
        ("1E3", "1e3"),
        ("1.5e3", "1500"),
        ("1e-3", "1e-3"),
        ("123Mi", "123Mi"),
        ("0", "0"),
        ("0Gi", "0"),
        ("-1.5", "-1500m"),
        ("0.1m", "100u"),  # rounded up to whole nano units, not to milli
        ("0.5n", "1n"),
        ("10E", "9223372036854775807"),  # capped at the largest int64
        (" 2 ", "2"),
        (5, "5"),
        (0.25, "250m"),
    ],
)
def test_canonical_form_matches_kubernetes(given, expected):
    assert canonical(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [("abc", FORMAT_ERROR), ("12e", SUFFIX_ERROR), ("1K", SUFFIX_ERROR), ("", FORMAT_ERROR)],
)
def test_bad_quantities_raise_kubernetes_messages(given, message):
    with pytest.raises(QuantityError) as error:
        Quantity.parse(given)
    assert str(error.value) == message


def test_values_round_away_from_zero():
    assert Quantity.parse("1500m").value() == 2
    assert Quantity.parse("-1500m").value() == -2
    assert Quantity.parse("100m").milli_value() == 100
    assert Quantity.parse("0.1m").milli_value() == 1
    assert Quantity.parse("1Gi").value() == 1024**3


def test_arithmetic_and_comparison_are_exact():
    total = Quantity.parse("500m") + Quantity.parse("1.5")
    assert total.canonical() == "2"
    assert (Quantity.parse("1Gi") - Quantity.parse("512Mi")).canonical() == "512Mi"
    assert Quantity.parse("1") == Quantity.parse("1000m")
    assert Quantity.parse("999m") < Quantity.parse("1")
    assert max(Quantity.parse("1Ki"), Quantity.parse("1k")) == Quantity.parse("1024")


def test_adding_to_zero_takes_the_other_notation():
    assert (Quantity.parse("0") + Quantity.parse("1Gi")).canonical() == "1Gi"
