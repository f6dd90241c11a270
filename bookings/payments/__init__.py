"""bookings.payments."""
