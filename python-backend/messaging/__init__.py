"""Saved lists, templates and campaigns: persistence, channels, pacing, the ledger and the runner.

Plain Python, no Flask: the sidecar's blueprints and the tests both call it.
"""
