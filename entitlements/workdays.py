"""Working days in England: weekdays that are not England-and-Wales bank holidays.

A council's decision target is counted in working days from the day an application was sent
(the day it arrives is day 0, the next working day is day 1, as "within 20 working days" is read),
leaving out the working days spent waiting for the family's information.

Bank holidays come from the maintained ``holidays`` package (``country_holidays("GB", subdiv="ENG")``):
the rules for every year, with the one-off holidays (a coronation, a state funeral) it lists.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

import holidays

from shortbreaks.clock import LONDON


@functools.cache
def _england() -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _england()


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not after ``start``)."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def add_working_days(start: date, days: int) -> date:
    """The day ``days`` working days after ``start`` (``start`` itself for 0)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()
