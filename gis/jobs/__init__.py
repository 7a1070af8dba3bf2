"""Durable status of long API jobs, shared by every server process (table ``job``)."""
