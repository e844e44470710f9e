"""Bulk number normalisation (fast path with the slow path behind it).

CONTRACT:
    normalize_column(values, region, default_region=None) -> pandas.DataFrame with columns
        e164   (str or missing) - the E.164 number when valid (a pandas str column: missing is NA/NaN)
        reason (str or None)    - stable reason code when not (object column)
      VALUES: a sequence / Series of str cells ('' for empty); REGION: ISO alpha-2 str, or a Series of them per row.
      Row order and index follow VALUES. With a Series REGION, cells go through region_for_country_cell and
      rows naming no region use DEFAULT_REGION.
    region_for_country_cell(text, default) -> ISO alpha-2 region for a messy country cell, else DEFAULT.

Every answer equals numbers.normalize_one(value, region): the vectorised fast path (fastpath.py) decides
plainly written numbers (valid ones, and invalid ones whose reason follows from lengths); everything else goes
through normalize_one once per distinct value.
"""
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import arrowtext as at
from . import cores
from .fastpath import fast_e164
from .metadata_regions import region_for_country_cell
from .numbers import normalize_one

__all__ = ["normalize_column", "region_for_country_cell"]

TEXT = pa.large_string()
# pyarrow kernels release the GIL, so threads use more cores without pickling anything: ~60 % of the fast path's
# time is in kernels. On 2 cores 1M rows took 0.61-0.69 s with two threads against ~1.0 s with one, and two were
# no slower than one beside other busy processes or a second import in the same process (scripts/bench_threads.py,
# BENCHMARKS.md). Below PARALLEL_MIN_ROWS the per-calling-code fixed costs of a second piece outweigh the gain.
PARALLEL_MIN_ROWS = 200_000
# Pieces bound the intermediate arrays of the fast path: two threads over 500k-row pieces peak at the Arrow memory
# one thread reaches over 1M rows (~103 MB), and each piece pays the per-code costs once.
CHUNK_ROWS = 500_000
WORKERS = cores.WORKERS  # its own name, so a test or bench can set it for the fast path alone


def fast_answers(cells, region):
    """((positions, E.164), (positions, reasons)) the fast path decides, on several cores for large columns."""
    if len(cells) < PARALLEL_MIN_ROWS or WORKERS < 2:
        return fast_e164(cells, region)
    pieces = max(WORKERS, -(-len(cells) // CHUNK_ROWS))
    bounds = np.linspace(0, len(cells), pieces + 1).astype(int)
    chunks = [(int(a), cells.slice(a, b - a)) for a, b in zip(bounds[:-1], bounds[1:])]
    results = cores.on_cores([lambda piece=piece: fast_e164(piece, region) for _, piece in chunks], WORKERS)
    starts = [start for start, _ in chunks]
    valid_positions = np.concatenate([pos + start for start, ((pos, _), _) in zip(starts, results)])
    valid_e164 = pa.concat_arrays([e164 for (_, e164), _ in results])
    reason_positions = np.concatenate([pos + start for start, (_, (pos, _)) in zip(starts, results)])
    reasons = np.concatenate([why for _, (_, why) in results])
    return (valid_positions, valid_e164), (reason_positions, reasons)


def slow_answers(cells, regions, cache):
    """normalize_one for each (cell, region), computed once per distinct pair: (E.164 list, reason list)."""
    e164s, reasons = [], []
    for cell, region in zip(cells, regions):
        key = (cell, region)
        answer = cache.get(key)
        if answer is None:
            answer = cache[key] = normalize_one(cell if isinstance(cell, str) else "", region)
        e164s.append(answer[0])
        reasons.append(answer[1])
    return e164s, reasons


def region_groups(region, default_region, size):
    """[(row positions or None for all, region code)] for a str REGION or a Series of country cells."""
    if not isinstance(region, pd.Series):
        return [(None, region)]
    codes, uniques = pd.factorize(pd.Series(region.to_numpy(dtype=object)), use_na_sentinel=False)
    resolved = [region_for_country_cell(u if isinstance(u, str) else None, default_region) for u in uniques]
    by_region = {}
    for code_index, region_code in enumerate(resolved):
        by_region.setdefault(region_code, []).append(code_index)
    groups = []
    for region_code, code_indexes in by_region.items():
        positions = np.flatnonzero(np.isin(codes, code_indexes))
        groups.append((positions if len(positions) < size else None, region_code))
    return groups


def normalize_column(values, region, default_region=None):
    """Normalise every cell of VALUES with REGION (a str, or a Series of per-row country cells that fall back
    to DEFAULT_REGION when they name no region)."""
    index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(len(values))
    cells = at.arrow(values)
    size = len(cells)
    reasons = np.full(size, None, dtype=object)
    decided = np.zeros(size, dtype=bool)
    pieces, piece_positions, cache = [], [], {}
    for positions, group_region in region_groups(region, default_region, size):
        group_cells = cells if positions is None else cells.take(pa.array(positions))
        (fast_positions, fast_values), (invalid_positions, invalid_reasons) = fast_answers(group_cells, group_region)
        if positions is not None:
            fast_positions, invalid_positions = positions[fast_positions], positions[invalid_positions]
        decided[fast_positions] = True
        decided[invalid_positions] = True
        reasons[invalid_positions] = invalid_reasons
        pieces += [fast_values, pa.nulls(len(invalid_positions), TEXT)]
        piece_positions += [fast_positions, invalid_positions]
    slow_rows = np.flatnonzero(~decided)
    row_regions = per_row_regions(region, default_region, slow_rows)
    slow_e164, slow_reasons = slow_answers(cells.take(pa.array(slow_rows)).to_pylist(), row_regions, cache)
    reasons[slow_rows] = slow_reasons
    pieces.append(pa.array(slow_e164, type=TEXT))
    piece_positions.append(slow_rows)
    e164 = in_row_order(pieces, piece_positions, size)
    return pd.DataFrame({"e164": pd.Series(pd.arrays.ArrowStringArray(e164), index=index, copy=False),
                         "reason": pd.Series(reasons, index=index, dtype=object)}, index=index)


def per_row_regions(region, default_region, rows):
    """The region code of each of ROWS (a str REGION repeats)."""
    if not isinstance(region, pd.Series):
        return [region] * len(rows)
    cells = region.to_numpy(dtype=object)[rows]
    return [region_for_country_cell(c if isinstance(c, str) else None, default_region) for c in cells]


def in_row_order(pieces, piece_positions, size):
    """One Arrow array of SIZE rows from PIECES whose rows sit at PIECE_POSITIONS."""
    merged = pa.concat_arrays([p.combine_chunks() if isinstance(p, pa.ChunkedArray) else p for p in pieces])
    order = np.empty(size, dtype=np.int64)
    order[np.concatenate(piece_positions)] = np.arange(size)
    return pc.take(merged, pa.array(order))
