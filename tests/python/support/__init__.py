"""Helpers the Python tests share (no test module imports another; they import from here)."""
