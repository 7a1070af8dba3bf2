"""Land trading: land-supply listings by tender, auction and listing; bids; records."""
