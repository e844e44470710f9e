"""Fakes at third-party boundaries for tests (loopback only): local servers that speak the providers'
documented formats, a fault plan for them, a test clock, and a private Secret Service for the keychain."""
