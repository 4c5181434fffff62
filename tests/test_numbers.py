"""How figures are written: the one definition explanations and the report share."""

from __future__ import annotations

import pytest

from newsdesk.numbers import (
    count,
    exchange_rate,
    format_figure,
    measured_multiple,
    measured_percent,
    money,
    multiple,
    num,
    percent,
)

M = "\u2212"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (money(-4.769e10, "USD"), f"{M}47.69 bn USD"),
        (money(-93.18e6, None), f"{M}93.18 m"),
        (money(2.5e12, "CNY"), "2.5 tn CNY"),
        (money(1200.0, "USD"), "1200 USD"),
        (percent(-1.585), f"{M}1.585%"),
        (percent(7.0), "7%"),
        (measured_percent(-7.4107), f"{M}7.41%"),
        (multiple(3.0), "\u00d73"),
        (measured_multiple(2.75862), "\u00d72.76"),
        (exchange_rate(7.19361), "7.1936"),
        (exchange_rate(7.11342, 3), "7.113"),
        (num(float("-inf")), f"{M}\u221e"),
        (count(1200.0), "1,200"),
    ],
)
def test_figures_are_written_as_explanations_store_them(written: str, expected: str) -> None:
    assert written == expected


@pytest.mark.parametrize(
    ("value", "unit", "measured", "expected"),
    [
        (-7.0, "percent", False, f"{M}7%"),
        (-7.4107, "percent", True, f"{M}7.41%"),
        (3.0, "ratio", False, "\u00d73"),
        (2.75862, "ratio", True, "\u00d72.76"),
        (-48e9, "currency", False, f"{M}48 bn USD"),
        (60.0, "count", False, "60"),
        (float("nan"), "percent", True, "\u2014"),
        (None, "currency", True, "\u2014"),
    ],
)
def test_a_figure_is_written_in_its_unit(
    value: float | None, unit: str, measured: bool, expected: str
) -> None:
    assert format_figure(value, unit, "USD", measured=measured) == expected
