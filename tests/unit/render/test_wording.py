import math
from datetime import date

import pytest

from reportpack.render import wording
from reportpack.render.wording import FigureError, bank_time, cn_date, cn_numeral, count, month_end, pct, pp, rank, wan, yi, yoy


@pytest.mark.parametrize(
    "yuan,text",
    [
        (1_234_000_000, "12.34亿元"),
        (1_234_500_000, "12.35亿元"),  # half up, not half even
        (1_233_500_000, "12.34亿元"),  # half up (half even would give 12.34 too; see next)
        (1_232_500_000, "12.33亿元"),  # half even would print 12.32
        (0, "0亿元"),
        (-149_999, "0亿元"),  # no "-0", no ".00"
    ],
)
def test_yi_two_decimals_round_half_up(yuan, text):
    assert yi(yuan) == text


def test_wan_and_pct_and_pp():
    assert wan(15_421_250) == "1542.13万元"
    assert wan(15_421_249) == "1542.12万元"
    assert pct(0.88745) == "88.75%"
    assert pct(0.125) == "12.50%"
    assert pp(-0.002) == "0.20个百分点"


@pytest.mark.parametrize("bad", [None, math.nan, math.inf, "abc"])
def test_missing_figures_are_errors_not_text(bad):
    with pytest.raises(FigureError):
        yi(bad)


def test_counts_and_ranks():
    assert count(35.0) == "35"
    assert rank(3) == "第3位"
    with pytest.raises(FigureError):
        count(3.5)


@pytest.mark.parametrize(
    "n,text",
    [
        (1, "一"),
        (7, "七"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (23, "二十三"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1010, "一千零一十"),
        (2305, "二千三百零五"),
    ],
)
def test_chinese_numerals(n, text):
    assert cn_numeral(n) == text


def test_dates_without_leading_zeros():
    assert cn_date(date(2023, 6, 30)) == "2023年6月30日"
    assert cn_date(date(2023, 7, 2)) == "2023年7月2日"
    assert month_end(date(2023, 6, 30)) == "6月末"


@pytest.mark.parametrize("n", [0, -1, 10000])
def test_chinese_numerals_refuse_what_they_cannot_say(n):
    with pytest.raises(FigureError, match="outside 1…9999"):
        cn_numeral(n)


@pytest.mark.parametrize("rate,text", [(0.0312, "同比增长3.12%"), (-0.03125, "同比下降3.13%"), (0.0, "同比增长0%")])
def test_year_on_year_is_worded_with_its_direction(rate, text):
    assert yoy(rate) == text
    assert yoy(rate, base="较上年同期日均") == text.replace("同比", "较上年同期日均")


@pytest.mark.parametrize(
    ("yuan", "text"),
    [
        (372_900, "37.29万元"),  # was "0.00亿元" where a change was printed in 亿元
        (497_280_800, "4.97亿元"),  # was "49728.08万元" where printed in 万元
        (9_999_949, "999.99万元"),
        (10_000_000, "0.10亿元"),
        (58_123_456, "0.58亿元"),
        (40, "40元"),  # under 0.01万元: in 元, never 0.00万元
        (0, "0万元"),
        (-372_900, "-37.29万元"),
    ],
)
def test_money_picks_the_unit_by_size_so_no_non_zero_amount_prints_as_zero(yuan, text):
    assert wording.money(yuan) == text


@pytest.mark.parametrize(
    "call,text",
    [
        (lambda: wording.wan(3_560_000), "356万元"),
        (lambda: wording.yi(480_000_000), "4.80亿元"),  # a non-zero decimal keeps both places
        (lambda: wording.pct(1), "100%"),
        (lambda: wording.pct(0.125), "12.50%"),
        (lambda: wording.pp(0.01), "1个百分点"),
        (lambda: wording.fixed(90.0), "90"),
        (lambda: wording.fixed(214.5), "214.5"),
    ],
)
def test_whole_figures_print_without_zero_decimals(call, text):
    assert call() == text


def test_a_rate_of_change_can_be_recomputed_from_the_printed_figures():
    now, before = 0.5749, 0.2849  # printed 0.57 and 0.28
    rate = wording.rounded(now) / wording.rounded(before) - 1
    assert wording.fixed(now, 2) == "0.57" and wording.fixed(before, 2) == "0.28"
    assert wording.pct(rate) == "103.57%"  # 0.57 / 0.28 − 1, not 101.79% from the unrounded figures


def test_bank_time_is_the_banks_clock_in_chinese():
    assert bank_time("2026-12-01T10:12:40.472001+00:00") == "2026年12月1日 18:12"
    assert bank_time("2026-12-31T16:30:00Z") == "2027年1月1日 00:30"  # past midnight in Beijing: the next day
    assert bank_time("2024-07-03T09:00:00+08:00") == "2024年7月3日 09:00"
    assert bank_time("2024-07-03T01:00:00") == "2024年7月3日 09:00"  # no zone: UTC, as runs record time
    assert bank_time(None) == ""
