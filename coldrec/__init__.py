"""coldrec: measure how much item text and a user's own words help a cold start."""

__version__ = "0.1.0"
