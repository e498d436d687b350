"""The server-drawn SVG bar charts (orders.charts): bar widths on known values, escaping, empty
data, several series with their legend, long labels and the value formatters."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from orders.charts import AMBER, BAR_WIDTH, RED, Series, bar_chart, count, hours, rubles

NBSP = "\xa0"


def bar_widths(svg: str) -> list[int]:
    return [int(width) for width in re.findall(r'<rect class="bar" [^>]*width="(\d+)"', svg)]


def value_texts(svg: str) -> list[str]:
    return re.findall(r'<text class="value" [^>]*>([^<]*)</text>', svg)


def label_texts(svg: str) -> list[str]:
    return re.findall(r'<text class="label" [^>]*>(?:<title>[^<]*</title>)?([^<]*)</text>', svg)


def test_the_largest_value_fills_the_bar_and_the_others_are_in_proportion():
    svg = bar_chart([("Новый", 8), ("Оплачен", 2), ("Выдан", 0)], title="Заказы по статусам")

    assert BAR_WIDTH == 320
    assert bar_widths(svg) == [320, 80, 0]
    assert value_texts(svg) == ["8", "2", "0"]
    assert label_texts(svg) == ["Новый", "Оплачен", "Выдан"]


def test_a_tiny_value_still_shows_a_bar():
    svg = bar_chart([("Много", 10_000), ("Один", 1)], title="t")

    assert bar_widths(svg) == [320, 1]
    assert value_texts(svg) == [f"10{NBSP}000", "1"]


def test_the_chart_is_an_image_with_its_title_and_its_figures_in_words():
    svg = bar_chart([("Новый", 3), ("Выдан", 1)], title="Заказы по статусам")

    assert svg.startswith('<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" ')
    assert 'aria-label="Заказы по статусам"' in svg
    assert "<desc>Новый — 3; Выдан — 1</desc>" in svg


def test_labels_series_and_title_are_escaped():
    svg = bar_chart(
        [("<script>alert(1)</script>", 1)],
        title='Отчёт "<b>"',
        series=[Series("<i>серия</i>")],
    )

    assert "<script>" not in svg
    assert "<i>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert 'aria-label="Отчёт &quot;&lt;b&gt;&quot;"' in svg
    assert "&lt;i&gt;серия&lt;/i&gt;: 1" in svg


def test_no_rows_say_there_is_no_data():
    svg = bar_chart([], title="Возвраты по причинам")

    assert 'role="img"' in svg
    assert 'aria-label="Возвраты по причинам"' in svg
    assert ">Нет данных</text>" in svg
    assert "<rect" not in svg


def test_all_zero_values_draw_no_bars_but_their_zeros():
    svg = bar_chart([("Новый", 0), ("Выдан", 0)], title="t")

    assert bar_widths(svg) == [0, 0]
    assert value_texts(svg) == ["0", "0"]


def test_two_series_draw_two_bars_a_row_on_one_scale_with_a_legend():
    svg = bar_chart(
        [("Сделка: Новая", 4, 0), ("Заказ: Новый", 1, 2)],
        title="Просрочки",
        series=[Series("Просрочено", RED), Series("Скоро просрочка", AMBER)],
    )

    assert bar_widths(svg) == [320, 0, 80, 160]
    assert value_texts(svg) == ["4", "", "1", "2"]  # no «0» beside another bar
    assert re.findall(r'<rect class="bar" [^>]*fill="([^"]+)"', svg) == [RED, AMBER] * 2
    legend = re.search(r'<g class="legend">(.*?)</g>', svg).group(1)
    assert re.findall(r"<text [^>]*>([^<]*)</text>", legend) == ["Просрочено", "Скоро просрочка"]
    assert re.findall(r'fill="([^"]+)"', legend) == [RED, "currentColor", AMBER, "currentColor"]
    assert "<title>Заказ: Новый — Скоро просрочка: 2</title>" in svg
    assert (
        "<desc>Сделка: Новая — Просрочено: 4, Скоро просрочка: 0; "
        "Заказ: Новый — Просрочено: 1, Скоро просрочка: 2</desc>"
    ) in svg


def test_one_series_has_no_legend():
    assert 'class="legend"' not in bar_chart([("Новый", 1)], title="t")


def test_a_row_without_a_value_per_series_is_refused():
    with pytest.raises(ValueError, match="2 value"):
        bar_chart([("Новый", 1)], title="t", series=[Series("a"), Series("b")])


def test_a_long_label_is_cut_and_kept_whole_in_a_tooltip():
    long = "Не подошёл размер или цвет товара"
    svg = bar_chart([(long, 1), ("Брак", 2)], title="t")

    assert label_texts(svg) == ["Не подошёл размер или ц…", "Брак"]
    assert f"<title>{long}</title>Не подошёл размер или ц…" in svg
    # A short label needs no tooltip of its own.
    assert "<title>Брак</title>" not in svg


def test_the_formatter_prints_the_values_and_the_bars_keep_their_scale():
    svg = bar_chart(
        [("Наличными при получении", Decimal("1241280.50")), ("Онлайн", Decimal("310320.125"))],
        title="Оплаты",
        formatter=rubles,
    )

    assert bar_widths(svg) == [320, 80]
    assert value_texts(svg) == [f"1{NBSP}241{NBSP}280,50{NBSP}₽", f"310{NBSP}320,12{NBSP}₽"]


def test_the_formatters():
    assert count(1234567) == f"1{NBSP}234{NBSP}567"
    assert rubles(Decimal("350.5")) == f"350,50{NBSP}₽"
    assert rubles(0) == f"0,00{NBSP}₽"
    assert hours(12.0) == "12 ч"
    assert hours(1.46) == "1,5 ч"
    assert hours(Decimal("1500")) == f"1{NBSP}500 ч"
