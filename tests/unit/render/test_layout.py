"""Column widths by content and the 署名/成文日期 offsets (GB/T 9704-2012 §7.3.5.2)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportpack.render.document import width
from reportpack.render.layout import CELL_PAD, RULE_TWIPS, column_widths, row_heights, signature_indents

HEADER = ("柜员", "日均业务笔数", "日均笔数目标", "业务差错（笔）", "差错目标（笔）", "考核得分", "得分目标")


def test_body_cells_fit_on_one_line_and_headers_wrap_at_most_once():
    rows = (HEADER, ("林婷", "214.5", "215", "3", "1", "88.0", "90.0"), ("欧阳明月", "98.0", "200", "0", "0", "91.5", "91.5"))
    widths = column_widths(rows, 36.85)
    assert sum(widths) == pytest.approx(36.85)
    for c, w in enumerate(widths):
        assert w >= max(width(r[c]) for r in rows[1:]) + CELL_PAD
        assert 2 * (w - CELL_PAD) >= width(HEADER[c])


def test_spare_room_unwraps_headers_first():
    rows = (("指标", "期末余额"), ("对公", "4.80亿元"))
    widths = column_widths(rows, 36.85)
    assert widths[1] - CELL_PAD >= width("期末余额") and sum(widths) == pytest.approx(36.85)


@given(st.lists(st.text(alphabet="对公存款0123456789.亿元", min_size=1, max_size=40), min_size=2, max_size=8))
def test_widths_always_fill_the_line_exactly(cells):
    rows = (tuple(cells), tuple(reversed(cells)))
    widths = column_widths(rows, 36.85)
    assert sum(widths) == pytest.approx(36.85) and all(w > 0 for w in widths)


@pytest.mark.parametrize(
    "lines,expected",
    [
        (["解放路分理处", "2023年6月30日"], [2.5, 0.0]),  # the date (6.5) is longer: it ends at the margin
        (["江城银行滨江分行城东支行", "2023年6月30日"], [2.0, 5.5]),  # the name is longer: 2 in, the date under it +2
        (["柜员：林婷", "解放路分理处", "2023年6月30日"], [2.5, 2.5, 0.0]),  # aligned on the widest name line
        (["某网点"], [2.0]),  # no date: two characters in
    ],
)
def test_the_date_starts_two_characters_right_of_the_name(lines, expected):
    assert signature_indents(lines) == expected
    if len(lines) > 1:
        name_start = max(width(line) for line in lines[:-1]) + expected[0]  # from the right margin
        date_start = width(lines[-1]) + expected[-1]
        assert name_start - date_start == 2


# a column of 10 characters of 240 twips inside Word's 108-twip cell margins
TEN = 10 * 240 + 216


def test_a_rows_height_is_its_tallest_cells_lines_on_the_grid_and_its_rule():
    rows = [["项目名称项目名称项目名称", "数量"], ["甲", "1笔"], ["乙", "2笔"]]  # the header's 12 characters take two lines
    assert row_heights(rows, [TEN, TEN], 579, 240) == [2 * 579 + RULE_TWIPS, 579 + RULE_TWIPS, 579 + 2 * RULE_TWIPS]


@pytest.mark.parametrize(
    "text",
    ["一二三四五六七八九十", "一二三四五六七八九1", "一二三四五六七八九十1", "1234567890123456789", "一二三四五六七八九十" * 2],
)
def test_a_cell_ending_near_a_line_end_is_not_guessed(text):
    """9.5 to 10.5 characters in a 10-character column (or 19.5 to 20.5) may take a line more or
    one less (real glyph widths, line-breaking rules): the table is then laid out as it is."""
    assert row_heights([["甲", text]], [TEN, TEN], 579, 240) is None


def test_cells_clear_of_a_line_end_are_counted():
    assert row_heights([["一二三四五六七八", "一二三四五六七八九十一二三四五六"]], [TEN, TEN], 579, 240) == [
        2 * 579 + 2 * RULE_TWIPS
    ]
