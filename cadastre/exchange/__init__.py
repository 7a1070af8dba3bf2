"""Bulk parcel import into the register and export of the register to files."""
