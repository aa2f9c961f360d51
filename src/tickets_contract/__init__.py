"""tickets-contract."""
