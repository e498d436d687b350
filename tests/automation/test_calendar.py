"""Stage deadlines in working time, checked against the real Russian production calendar.

The calendar facts come from ``holidays`` 0.108 (``holidays.RU``), which carries the decrees
for 2026 (no working Saturdays; 3 and 4 January moved to 9 January and 31 December) and
2027 (Saturday 20 February is a working day; 22 February is a day off).
"""

from __future__ import annotations

import datetime
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from automation.calendar import (
    WorkingHours,
    add_calendar_minutes,
    add_working_minutes,
    is_working_day,
    working_minutes_between,
)

MSK = ZoneInfo("Europe/Moscow")
OFFICE = WorkingHours()  # 09:00-18:00, Monday to Friday, Russian holidays off
SEVEN_DAYS = WorkingHours(weekdays=frozenset(range(7)))
ROUND_THE_CLOCK = WorkingHours(
    start=time(0), end=time(0), weekdays=frozenset(range(7)), observe_holidays=False
)


def msk(year, month, day, hour=0, minute=0, second=0):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=MSK)


# --- The production calendar ----------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 1, d) for d in range(1, 10)])
def test_the_new_year_holidays_of_2026_run_from_the_first_to_the_ninth_of_january(day):
    # 1-8 January by law; Friday 9 January is Saturday 3 January moved by decree.
    assert not is_working_day(day, OFFICE)


def test_work_resumes_on_monday_the_twelfth_of_january_2026():
    assert is_working_day(date(2026, 1, 12), OFFICE)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 2, 23), "Defender of the Fatherland Day, Monday"),
        (date(2026, 3, 9), "8 March falls on a Sunday, moved to Monday"),
        (date(2026, 5, 1), "Holiday of Spring and Labour, Friday"),
        (date(2026, 5, 9), "Victory Day, Saturday"),
        (date(2026, 5, 11), "Victory Day falls on a Saturday, moved to Monday"),
        (date(2026, 6, 12), "Russia Day, Friday"),
        (date(2026, 11, 4), "Unity Day, Wednesday"),
        (date(2026, 12, 31), "Sunday 4 January moved here by decree"),
        (date(2027, 2, 22), "Saturday 20 February swapped for this Monday by decree"),
        (date(2027, 5, 3), "1 May falls on a Saturday, moved to Monday"),
        (date(2027, 11, 5), "Saturday 2 January moved here by decree"),
    ],
)
def test_russian_public_holidays_and_transferred_days_off_are_not_working_days(day, why):
    assert not is_working_day(day, OFFICE), why


@pytest.mark.parametrize("day", [date(2026, 5, 4), date(2026, 5, 12), date(2026, 3, 10)])
def test_ordinary_weekdays_next_to_the_holidays_are_working_days(day):
    assert is_working_day(day, OFFICE)


def test_the_weekend_of_the_third_and_fourth_of_january_2026_did_not_become_working_days():
    assert not is_working_day(date(2026, 1, 3), SEVEN_DAYS)
    assert not is_working_day(date(2026, 1, 4), SEVEN_DAYS)


def test_a_saturday_made_working_by_decree_is_a_working_day_even_for_a_weekday_store():
    assert date(2027, 2, 20).weekday() == 5
    assert is_working_day(date(2027, 2, 20), OFFICE)


def test_a_store_that_ignores_holidays_follows_its_weekdays_only():
    ignoring = WorkingHours(observe_holidays=False)
    assert is_working_day(date(2026, 1, 5), ignoring)
    assert is_working_day(date(2027, 2, 22), ignoring)
    assert not is_working_day(date(2027, 2, 20), ignoring)


def test_a_seven_day_store_works_at_weekends_but_not_on_holidays():
    assert is_working_day(date(2026, 10, 17), SEVEN_DAYS)  # an ordinary Saturday
    assert not is_working_day(date(2026, 5, 9), SEVEN_DAYS)
    assert is_working_day(date(2026, 5, 10), SEVEN_DAYS)  # Sunday between two days off


def test_is_working_day_refuses_a_datetime_whose_local_date_would_be_ambiguous():
    with pytest.raises(TypeError):
        is_working_day(msk(2026, 10, 16, 12), OFFICE)


# --- Deadlines ------------------------------------------------------------------------------


def test_an_order_arriving_on_friday_night_is_due_on_monday_morning():
    assert add_working_minutes(msk(2026, 10, 16, 23), 15, OFFICE) == msk(2026, 10, 19, 9, 15)


def test_an_order_arriving_before_opening_is_due_after_opening():
    assert add_working_minutes(msk(2026, 10, 14, 7, 30), 15, OFFICE) == msk(2026, 10, 14, 9, 15)


def test_a_limit_within_working_hours_is_plain_addition():
    assert add_working_minutes(msk(2026, 10, 14, 11, 20), 45, OFFICE) == msk(2026, 10, 14, 12, 5)


def test_what_is_left_at_closing_time_carries_over_to_the_next_working_morning():
    assert add_working_minutes(msk(2026, 10, 13, 17, 45), 30, OFFICE) == msk(2026, 10, 14, 9, 15)


def test_a_limit_ending_exactly_at_closing_time_is_due_at_closing_time():
    assert add_working_minutes(msk(2026, 10, 13, 17, 30), 30, OFFICE) == msk(2026, 10, 13, 18)


def test_zero_minutes_rounds_up_to_the_next_working_moment():
    assert add_working_minutes(msk(2026, 10, 13, 12), 0, OFFICE) == msk(2026, 10, 13, 12)
    assert add_working_minutes(msk(2026, 10, 16, 18), 0, OFFICE) == msk(2026, 10, 19, 9)


def test_a_limit_of_several_days_skips_the_nights():
    # Monday 10:00: 8 h on Monday, 9 h on Tuesday and Wednesday, 2 h on Thursday.
    minutes = 8 * 60 + 9 * 60 + 9 * 60 + 2 * 60
    assert add_working_minutes(msk(2026, 10, 12, 10), minutes, OFFICE) == msk(2026, 10, 15, 11)


def test_a_limit_of_several_days_skips_the_may_holidays():
    # Thursday 30 April 17:00: one hour that day, then 1-3 May off, Monday 4 May 10:00.
    assert add_working_minutes(msk(2026, 4, 30, 17), 120, OFFICE) == msk(2026, 5, 4, 10)


def test_an_order_arriving_before_the_new_year_waits_for_the_end_of_the_holidays():
    # 31 December 2026 is a transferred day off, 1-8 January 2027 are holidays, then a weekend.
    assert add_working_minutes(msk(2026, 12, 30, 23), 15, OFFICE) == msk(2027, 1, 11, 9, 15)
    # 31 December 2025 is off too, and 9 January 2026 was added to the holidays.
    assert add_working_minutes(msk(2025, 12, 30, 18, 30), 15, OFFICE) == msk(2026, 1, 12, 9, 15)


def test_the_working_saturday_of_2027_counts_towards_deadlines():
    # Friday 19 February 17:50 + 20 min: 10 min on Friday, 10 min on the working Saturday.
    assert add_working_minutes(msk(2027, 2, 19, 17, 50), 20, OFFICE) == msk(2027, 2, 20, 9, 10)
    # Saturday evening: Sunday is off, Monday 22 February is off, Tuesday is Defender's Day.
    assert add_working_minutes(msk(2027, 2, 20, 19), 15, OFFICE) == msk(2027, 2, 24, 9, 15)


def test_a_seven_day_store_is_due_on_saturday_morning():
    assert add_working_minutes(msk(2026, 10, 16, 23), 15, SEVEN_DAYS) == msk(2026, 10, 17, 9, 15)


def test_a_seven_day_store_still_closes_on_victory_day():
    assert add_working_minutes(msk(2026, 5, 8, 23), 15, SEVEN_DAYS) == msk(2026, 5, 10, 9, 15)


def test_a_round_the_clock_store_counts_working_minutes_as_calendar_minutes():
    start = msk(2026, 12, 31, 23, 50)
    assert add_working_minutes(start, 20, ROUND_THE_CLOCK) == msk(2027, 1, 1, 0, 10)
    assert add_working_minutes(start, 20, ROUND_THE_CLOCK) == add_calendar_minutes(start, 20)


def test_end_at_midnight_means_the_end_of_the_day():
    evening = WorkingHours(start=time(20), end=time(0))
    assert add_working_minutes(msk(2026, 10, 14, 23, 50), 20, evening) == msk(2026, 10, 15, 20, 10)
    assert working_minutes_between(msk(2026, 10, 14), msk(2026, 10, 15), evening) == 4 * 60


def test_the_result_comes_back_in_the_time_zone_it_was_given_in():
    friday_night_utc = datetime.datetime(2026, 10, 16, 20, 0, tzinfo=datetime.UTC)  # 23:00 MSK
    due = add_working_minutes(friday_night_utc, 15, OFFICE)
    assert due == datetime.datetime(2026, 10, 19, 6, 15, tzinfo=datetime.UTC)
    assert due.tzinfo is datetime.UTC


def test_store_hours_are_read_in_the_stores_own_time_zone():
    vladivostok = ZoneInfo("Asia/Vladivostok")  # MSK+7
    far_east = WorkingHours(tz="Asia/Vladivostok")
    # 10:00 in Moscow is 17:00 in Vladivostok: one hour left there, then the next morning.
    due = add_working_minutes(msk(2026, 10, 14, 10), 90, far_east)
    assert due == datetime.datetime(2026, 10, 15, 9, 30, tzinfo=vladivostok)
    assert due.tzinfo is MSK


def test_minutes_are_elapsed_minutes_across_a_daylight_saving_change():
    berlin = ZoneInfo("Europe/Berlin")
    always = WorkingHours(
        start=time(0), end=time(0), weekdays=frozenset(range(7)), tz="Europe/Berlin"
    )
    start = datetime.datetime(2026, 3, 28, 23, 0, tzinfo=berlin)  # clocks go forward at 02:00
    assert add_working_minutes(start, 180, always) == datetime.datetime(
        2026, 3, 29, 3, 0, tzinfo=berlin
    )
    assert add_calendar_minutes(start, 180) == datetime.datetime(2026, 3, 29, 3, 0, tzinfo=berlin)
    day = (
        datetime.datetime(2026, 3, 29, tzinfo=berlin),
        datetime.datetime(2026, 3, 30, tzinfo=berlin),
    )
    assert working_minutes_between(*day, always) == 23 * 60


def test_calendar_minutes_ignore_working_hours_and_holidays():
    assert add_calendar_minutes(msk(2026, 12, 31, 23, 30), 45) == msk(2027, 1, 1, 0, 15)


# --- Working minutes between two moments ----------------------------------------------------


def test_working_minutes_between_friday_afternoon_and_monday_morning():
    assert working_minutes_between(msk(2026, 10, 16, 17), msk(2026, 10, 19, 10), OFFICE) == 120


def test_working_minutes_between_two_moments_off_work_is_zero():
    assert working_minutes_between(msk(2026, 5, 1, 10), msk(2026, 5, 3, 20), OFFICE) == 0


def test_working_minutes_between_is_negative_when_the_end_comes_first():
    assert working_minutes_between(msk(2026, 10, 19, 10), msk(2026, 10, 16, 17), OFFICE) == -120


def test_working_minutes_between_drops_a_partial_minute():
    start, end = msk(2026, 10, 14, 10), msk(2026, 10, 14, 10, 1, 59)
    assert working_minutes_between(start, end, OFFICE) == 1


@pytest.mark.parametrize(
    "start",
    [
        msk(2026, 10, 14, 10, 0),
        msk(2026, 10, 14, 17, 59, 30),  # half a minute before closing
        msk(2026, 10, 16, 23, 0),  # Friday night
        msk(2026, 4, 30, 16, 45),  # before the May holidays
        msk(2026, 12, 30, 12, 0),  # before the New Year holidays
        msk(2027, 2, 19, 17, 0),  # before the working Saturday
        datetime.datetime(2026, 10, 14, 5, 7, tzinfo=datetime.UTC),
    ],
)
@pytest.mark.parametrize(
    "hours", [OFFICE, SEVEN_DAYS, ROUND_THE_CLOCK], ids=["office", "seven-days", "24x7"]
)
def test_working_minutes_between_undoes_add_working_minutes(start, hours):
    for minutes in (0, 1, 15, 59, 60, 539, 540, 541, 1000, 3 * 540 + 7, 10_000):
        due = add_working_minutes(start, minutes, hours)
        assert working_minutes_between(start, due, hours) == minutes, (start, minutes, due)
        assert due >= start


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (msk(2026, 10, 14, 10), msk(2026, 10, 14, 15, 30)),
        (msk(2026, 10, 16, 23), msk(2026, 10, 19, 9, 1)),
        (msk(2026, 4, 30, 9), msk(2026, 5, 4, 12)),
        (msk(2026, 12, 30, 17), msk(2027, 1, 11, 9, 30)),
    ],
)
def test_adding_the_working_minutes_between_two_working_moments_gets_back_to_the_end(start, end):
    assert add_working_minutes(start, working_minutes_between(start, end, OFFICE), OFFICE) == end


# --- Validation -----------------------------------------------------------------------------


def test_a_naive_datetime_is_refused():
    naive = datetime.datetime(2026, 10, 16, 23, 0)
    with pytest.raises(ValueError, match="aware"):
        add_working_minutes(naive, 15, OFFICE)
    with pytest.raises(ValueError, match="aware"):
        add_calendar_minutes(naive, 15)
    with pytest.raises(ValueError, match="aware"):
        working_minutes_between(naive, msk(2026, 10, 19), OFFICE)
    with pytest.raises(ValueError, match="aware"):
        working_minutes_between(msk(2026, 10, 16), naive, OFFICE)


def test_negative_minutes_are_refused():
    with pytest.raises(ValueError, match="negative"):
        add_working_minutes(msk(2026, 10, 14, 10), -1, OFFICE)
    with pytest.raises(ValueError, match="negative"):
        add_calendar_minutes(msk(2026, 10, 14, 10), -1)


def test_fractional_minutes_are_refused():
    with pytest.raises(TypeError):
        add_working_minutes(msk(2026, 10, 14, 10), 1.5, OFFICE)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": time(18), "end": time(9)}, "must be before"),  # no overnight shifts
        ({"start": time(9), "end": time(9)}, "must be before"),
        ({"start": time(9, tzinfo=MSK)}, "no tzinfo"),
        ({"weekdays": frozenset()}, "must not be empty"),
        ({"weekdays": frozenset({7})}, "0 \\(Monday\\) to 6"),
        ({"tz": "Mars/Olympus_Mons"}, "Unknown time zone"),
    ],
)
def test_impossible_working_hours_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WorkingHours(**kwargs)


def test_working_hours_accept_any_collection_of_weekdays_and_stay_hashable():
    hours = WorkingHours(weekdays={5, 6})
    assert hours.weekdays == frozenset({5, 6})
    assert hash(hours) == hash(WorkingHours(weekdays=frozenset({6, 5})))
