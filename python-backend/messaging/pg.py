"""A PostgreSQL connection (psycopg 3) that speaks the sqlite3 dialect the store's code is written in.

The code calls `conn.execute(sql, params)` with `?` placeholders and reads rows by name and by index, as
sqlite3.Row allows; this wrapper gives PostgreSQL connections the same surface so one body of SQL serves
both engines. `?` becomes `%s` outside string literals and a literal `%` is doubled (psycopg reads `%` as
a placeholder everywhere once parameters are given). Autocommit, as the SQLite connection: transactions
are explicit (messaging.db.transaction / snapshot).
"""
import functools

import psycopg

from core.errors import DomainError

INT64 = (-(1 << 63), (1 << 63) - 1)
# Cached per distinct statement: the store runs the same few hundred statements over and over.
TRANSLATION_CACHE = 4096


@functools.lru_cache(maxsize=TRANSLATION_CACHE)
def translate(sql):
    """SQL with sqlite-style `?` placeholders -> psycopg's `%s`, leaving quoted text alone but for `%`."""
    out, quote = [], None
    for char in sql:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append("%%" if char == "%" else char)
    return "".join(out)


def checked(params):
    """PARAMS as a tuple; an int beyond 64 bits raises OverflowError as sqlite3 does (the API's 400 bad_param),
    and text with a NUL character, which PostgreSQL cannot store, is refused (400 nul_character) before psycopg
    fails on it (a query parameter such as ?status=%00 reaches here)."""
    params = tuple(params)
    for value in params:
        if type(value) is int and not INT64[0] <= value <= INT64[1]:
            raise OverflowError("Python int too large to convert to a 64-bit integer")
        if type(value) is str and "\0" in value:
            raise DomainError("nul_character", "Text may not contain the NUL character (U+0000).")
    return params


class Row(tuple):
    """A result row readable by index and by column name, like sqlite3.Row (dict(row) works too)."""

    __slots__ = ()
    names = {}

    def __getitem__(self, key):
        """row[0] or row["name"]."""
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self):
        """The column names, in order (what dict(row) reads)."""
        return list(self.names)


def row_factory(cursor):
    """A psycopg row factory building Rows that know this result's column names."""
    columns = [c.name for c in cursor.description or ()]
    cls = type("Row", (Row,), {"__slots__": (), "names": {name: i for i, name in enumerate(columns)}})
    return cls


class Cursor:
    """The result of one execute: fetchone/fetchall/iteration/rowcount, as a sqlite3 cursor."""

    def __init__(self, cursor):
        self.cursor = cursor

    def fetchone(self):
        """The next row or None."""
        return self.cursor.fetchone() if self.cursor.description else None

    def fetchall(self):
        """All remaining rows."""
        return self.cursor.fetchall() if self.cursor.description else []

    def fetchmany(self, size):
        """Up to SIZE more rows."""
        return self.cursor.fetchmany(size) if self.cursor.description else []

    def __iter__(self):
        """Rows one by one."""
        return iter(self.fetchall())

    @property
    def rowcount(self):
        """Rows changed by the statement (-1 when not known)."""
        return self.cursor.rowcount

    @property
    def description(self):
        """Column descriptions, as DB-API."""
        return self.cursor.description


class Connection:
    """A psycopg connection presenting the sqlite3.Connection methods the store uses."""

    is_postgres = True
    IntegrityError = psycopg.IntegrityError  # what `except conn.IntegrityError` catches, as on sqlite3

    def __init__(self, url):
        self.raw = psycopg.connect(url, autocommit=True, connect_timeout=10)

    def cursor_for(self):
        """A fresh cursor whose rows read like sqlite3.Row."""
        cursor = self.raw.cursor()
        cursor.row_factory = row_factory
        return cursor

    def execute(self, sql, params=None):
        """Run one statement (`?` placeholders) and return its cursor."""
        cursor = self.cursor_for()
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(translate(sql), checked(params))
        return Cursor(cursor)

    def executemany(self, sql, seq):
        """Run one statement once per parameter tuple."""
        cursor = self.cursor_for()
        cursor.executemany(translate(sql), [checked(p) for p in seq])
        return Cursor(cursor)

    def close(self):
        """Close the connection."""
        self.raw.close()

    @property
    def in_transaction(self):
        """True inside BEGIN ... COMMIT."""
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
