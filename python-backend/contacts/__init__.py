"""Contact engine: read contact files, find columns, normalise numbers, de-duplicate.

Plain Python, no HTTP: the sidecar's web layer and the command-line tools both call it.
"""
