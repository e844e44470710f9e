"""The issue's differential rule for benchmarks: every value a benchmark normalises is also read by the slow path
(contacts.numbers.normalize_one, i.e. phonenumbers itself), and the two answers must agree (0 mismatches)."""
import pandas as pd

from contacts.numbers import normalize_one


def differential(values, result, region):
    """Number of VALUES where RESULT (columns e164, reason: the fast path's answer) differs from normalize_one."""
    cache, mismatches = {}, 0
    for value, e164, reason in zip(values, result["e164"].tolist(), result["reason"].tolist()):
        expected = cache.get(value)
        if expected is None:
            expected = cache[value] = normalize_one(value, region)
        if expected != (None if pd.isna(e164) else e164, reason):
            mismatches += 1
    return mismatches
