"""Bulk number normalisation (fast path with the slow path behind it).

CONTRACT:
    normalize_column(values, region) -> pandas.DataFrame with columns
        e164   (str or None)  - the E.164 number when valid
        reason (str or None)  - stable reason code when not
      VALUES: a sequence / Series of str cells ('' for empty); REGION: ISO alpha-2 str, or a Series of them per row.
      Row order and index follow VALUES. With a Series REGION, the optional DEFAULT_REGION is used for rows
      whose country cell names no region (cells go through region_for_country_cell).
    region_for_country_cell(text, default) -> ISO alpha-2 region for a messy country cell, else DEFAULT.
"""
import pandas as pd

from .numbers import normalize_one
from .metadata_regions import region_for_country_cell

__all__ = ["normalize_column", "region_for_country_cell"]


def normalize_column(values, region, default_region=None):
    """Normalise every cell of VALUES with REGION (a str, or a Series of per-row country cells that fall back
    to DEFAULT_REGION when they name no region)."""
    index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(len(values))
    cells = list(values)
    if isinstance(region, pd.Series):
        regions = [region_for_country_cell(r, default_region) for r in region]
    else:
        regions = [region] * len(cells)
    cache = {}
    e164s, reasons = [], []
    for cell, cell_region in zip(cells, regions):
        key = (cell, cell_region)
        answer = cache.get(key)
        if answer is None:
            answer = cache[key] = normalize_one(cell if isinstance(cell, str) else "", cell_region)
        e164s.append(answer[0])
        reasons.append(answer[1])
    return pd.DataFrame({"e164": pd.Series(e164s, index=index, dtype=object),
                         "reason": pd.Series(reasons, index=index, dtype=object)}, index=index)
