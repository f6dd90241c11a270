"""bookings domain package."""
