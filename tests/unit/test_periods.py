from datetime import date

import pytest

from reportpack.periods import Period


@pytest.mark.parametrize(
    "label,start,end,kind",
    [
        ("2023-06", date(2023, 6, 1), date(2023, 6, 30), "month"),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28), "month"),
        ("2023Q2", date(2023, 4, 1), date(2023, 6, 30), "quarter"),
        ("2023H1", date(2023, 1, 1), date(2023, 6, 30), "half"),
        ("2023H2", date(2023, 7, 1), date(2023, 12, 31), "half"),
        ("2023", date(2023, 1, 1), date(2023, 12, 31), "year"),
    ],
)
def test_labels_parse_to_inclusive_bounds_and_back(label, start, end, kind):
    p = Period.parse(label)
    assert (p.start, p.end, p.kind) == (start, end, kind)
    assert p.label == label


@pytest.mark.parametrize("bad", ["2023H3", "2023-13", "23H1", "2023Q5", ""])
def test_bad_labels_name_the_input(bad):
    with pytest.raises(ValueError, match="period"):
        Period.parse(bad)


def test_half_year_days_year_start_and_time_progress():
    p = Period.parse("2023H1")
    assert p.days == 181
    assert p.year_start_balance_date == date(2022, 12, 31)
    assert p.time_progress == pytest.approx(181 / 365)
    assert Period.parse("2024H1").time_progress == pytest.approx(182 / 366)


def test_previous_and_same_period_last_year():
    assert Period.parse("2023H1").previous().label == "2022H2"
    assert Period.parse("2023-01").previous().label == "2022-12"
    assert Period.parse("2023Q1").previous().label == "2022Q4"
    assert Period.parse("2023H2").same_last_year().label == "2022H2"


def test_months_of_a_half_year():
    assert Period.parse("2023H2").months() == ["2023-07", "2023-08", "2023-09", "2023-10", "2023-11", "2023-12"]


@pytest.mark.parametrize(
    "when,label", [(date(2023, 7, 2), "2023H1"), (date(2024, 1, 2), "2023H2"), (date(2023, 12, 31), "2023H1")]
)
def test_a_run_reports_the_half_that_ended_before_it(when, label):
    assert Period.last_half_before(when).label == label


@pytest.mark.parametrize(
    "kind, when, label",
    [
        ("month", date(2023, 7, 2), "2023-06"),  # the scheduled run on the 2nd reports the month before
        ("month", date(2023, 1, 2), "2022-12"),
        ("quarter", date(2023, 7, 2), "2023Q2"),
        ("quarter", date(2023, 1, 2), "2022Q4"),
        ("quarter", date(2023, 6, 30), "2023Q1"),  # the last day of a quarter: still the one before
        ("half", date(2024, 1, 2), "2023H2"),
        ("year", date(2024, 1, 2), "2023"),
        ("year", date(2023, 12, 31), "2022"),
    ],
)
def test_a_run_reports_the_period_of_its_cadence_that_ended_before_it(kind, when, label):
    assert Period.last_before(kind, when).label == label
    assert Period.last_before(kind, when).end < when


def test_the_period_containing_a_day():
    assert Period.containing("half", date(2023, 6, 30)).label == "2023H1"
    assert Period.containing("quarter", date(2023, 7, 1)).label == "2023Q3"
    assert Period.containing("month", date(2023, 12, 31)).label == "2023-12"
    assert Period.containing("year", date(2023, 1, 1)).label == "2023"


def test_a_provisional_period_is_cut_at_a_month_end_and_compared_with_the_same_months():
    full = Period.parse("2023H2")
    p = full.until(date(2023, 9, 30))
    assert (p.start, p.end, p.label, p.provisional, full.provisional) == (
        date(2023, 7, 1),
        date(2023, 9, 30),
        "2023H2",
        True,
        False,
    )
    assert p.full() == full and p.months() == ["2023-07", "2023-08", "2023-09"] and p.days == 92
    assert p.time_progress == pytest.approx(273 / 365)  # 时序进度 at 30 September
    assert p.same_last_year() == Period.parse("2022H2").until(date(2022, 9, 30))  # 同比: the same months
    assert p.previous() == Period.parse("2023H1") and p.next() == Period.parse("2024H1")  # whole periods
    assert p.numbers()["provisional"] is True and p.numbers()["full_end"] == date(2023, 12, 31)
    assert Period.parse("2024H1").until(date(2024, 2, 29)).same_last_year().end == date(2023, 2, 28)


@pytest.mark.parametrize("as_of", [date(2023, 9, 29), date(2023, 12, 31), date(2023, 6, 30), date(2024, 1, 31)])
def test_a_provisional_period_must_end_at_one_of_its_month_ends_before_the_last(as_of):
    with pytest.raises(ValueError, match=rf"as-of date {as_of} for period 2023H2: .*2023-07-31 to 2023-11-30"):
        Period.parse("2023H2").until(as_of)
    with pytest.raises(ValueError, match="a month has none"):
        Period.parse("2023-06").until(date(2023, 6, 30))


@pytest.mark.parametrize(
    "today,as_of", [(date(2023, 9, 2), date(2023, 8, 31)), (date(2023, 7, 31), None), (date(2024, 1, 2), None)]
)
def test_the_as_of_date_of_a_provisional_pack_built_today(today, as_of):
    assert Period.parse("2023H2").provisional_as_of(today) == as_of
