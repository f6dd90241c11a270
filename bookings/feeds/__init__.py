"""bookings.feeds."""
