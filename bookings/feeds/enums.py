"""Vocabularies for calendar feeds."""

from __future__ import annotations

from enum import StrEnum


class FeedKind(StrEnum):
    FAMILY = "family"
    PROVIDER = "provider"


class ImportErrorCode(StrEnum):
    """Why a provider's calendar could not be imported (shown to the provider)."""

    INVALID_URL = "invalid_url"
    PRIVATE_ADDRESS = "private_address"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"
    NOT_A_CALENDAR = "not_a_calendar"

    @property
    def label(self) -> str:
        return IMPORT_ERROR_LABELS[self]


IMPORT_ERROR_LABELS = {
    ImportErrorCode.INVALID_URL: "The address is not a web address starting with http:// or https://",
    ImportErrorCode.PRIVATE_ADDRESS: "The address points to a private or local network, which we cannot fetch",
    ImportErrorCode.UNREACHABLE: "We could not connect to the calendar's server",
    ImportErrorCode.TIMEOUT: "The calendar's server took too long to answer",
    ImportErrorCode.HTTP_ERROR: "The calendar's server answered with an error",
    ImportErrorCode.TOO_MANY_REDIRECTS: "The address redirected too many times",
    ImportErrorCode.TOO_LARGE: "The calendar is too large (the limit is 2 MB)",
    ImportErrorCode.NOT_A_CALENDAR: "The address did not return an iCalendar (.ics) calendar",
}
