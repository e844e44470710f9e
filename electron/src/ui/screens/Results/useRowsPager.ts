import { useCallback, useEffect, useRef, useState } from 'react';
import { getRows } from '../../api/client';
import type { ImportRow, StatusFilter } from '../../api/types';

/** Rows fetched per request: a few screens' worth, small enough to answer fast on 100k-row imports. */
export const PAGE_SIZE = 200;

/** Everything known about one (import, filter, search) combination. */
interface Cache {
  key: string;
  total: number | null;
  error: string | null;
  pages: Map<number, ImportRow[]>;
  pending: Set<number>;
}

export interface RowsPager {
  total: number | null;
  error: string | null;
  rowAt: (index: number) => ImportRow | undefined;
  ensureRange: (first: number, last: number) => void;
  replaceRow: (row: ImportRow) => void;
}

/** An empty cache for KEY. */
function emptyCache(key: string): Cache {
  return { key, total: null, error: null, pages: new Map(), pending: new Set() };
}

/** Rows of one import under one filter/search, fetched page by page as the table scrolls to them. */
export function useRowsPager(importId: string, status: StatusFilter, q: string): RowsPager {
  const key = `${importId}|${status}|${q}`;
  const cacheRef = useRef<Cache>(emptyCache(key));
  // Swapped during render, not in an effect, so no render ever mixes old rows with a new filter.
  if (cacheRef.current.key !== key) cacheRef.current = emptyCache(key);
  const cache = cacheRef.current;
  const [, setVersion] = useState(0);
  const refresh = () => setVersion((v) => v + 1);

  const fetchPage = useCallback((page: number) => {
    const current = cacheRef.current;
    if (current.pages.has(page) || current.pending.has(page)) return;
    current.pending.add(page);
    getRows(importId, { status, q, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      .then((body) => {
        current.pages.set(page, body.rows);
        current.total = body.total;
      })
      .catch((err: Error) => { current.error = err.message; })
      .finally(() => {
        current.pending.delete(page);
        if (cacheRef.current === current) refresh(); // answers for an old filter are dropped
      });
  }, [importId, status, q]);

  useEffect(() => fetchPage(0), [fetchPage]);

  const ensureRange = useCallback((first: number, last: number) => {
    for (let page = Math.floor(first / PAGE_SIZE); page <= Math.floor(last / PAGE_SIZE); page += 1) fetchPage(page);
  }, [fetchPage]);

  const rowAt = (index: number) => cache.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];

  const replaceRow = useCallback((row: ImportRow) => {
    for (const rows of cacheRef.current.pages.values()) {
      const at = rows.findIndex((r) => r.id === row.id);
      if (at >= 0) rows[at] = row;
    }
    refresh();
  }, []);

  return { total: cache.total, error: cache.error, rowAt, ensureRange, replaceRow };
}
