"""Local servers that speak the providers' documented formats, for tests (loopback only)."""
