"""Package version (kept in its own module so setup.py can read it without importing)."""

__version__ = "2.0.1"
