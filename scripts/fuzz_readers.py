#!/usr/bin/env python3
"""Coverage-guided fuzzing of the contact readers with atheris (optional; CI runs the bounded hypothesis fuzzers
in tests/python/test_security_fuzz.py instead).

    pip install atheris==3.0.0
    python scripts/fuzz_readers.py xlsx -atheris_runs=20000        # or csv, txt, xls, vcf; libFuzzer flags follow

The contract checked is the same as the tests': read_file returns a Workbook or raises DomainError with a
documented code, within 2 s per input. Anything else is a crash that atheris reports with the input that caused it.
"""
import os
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-backend"))

import atheris  # noqa: E402

with atheris.instrument_imports():
    from core.errors import DomainError  # noqa: E402
    from contacts.readers import read_file  # noqa: E402

DOCUMENTED_CODES = {"empty_file", "unsupported_type", "corrupt_file", "not_text", "workbook_too_large",
                    "unsafe_workbook", "line_too_long", "too_many_columns", "table_too_large"}
MAX_SECONDS = 2.0
KINDS = ("csv", "txt", "xlsx", "xls", "vcf")


def check_one(data, kind):
    """Read DATA as a .KIND file and fail loudly on anything outside the contract."""
    with tempfile.TemporaryDirectory(prefix="bulkmsg-fuzz-") as folder:
        path = os.path.join(folder, "input." + kind)
        with open(path, "wb") as f:
            f.write(data)
        check_file(path, kind)


def check_file(path, kind):
    """Read the file at PATH within the contract."""
    started = time.monotonic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read_file(path, "input." + kind)
    except DomainError as err:
        if err.code not in DOCUMENTED_CODES:
            raise AssertionError("undocumented error code %r" % err.code) from err
    elapsed = time.monotonic() - started
    if elapsed > MAX_SECONDS:
        raise AssertionError("input took %.1f s (limit %.1f s)" % (elapsed, MAX_SECONDS))


def main():
    """Fuzz the reader named by the first argument."""
    if len(sys.argv) < 2 or sys.argv[1] not in KINDS:
        sys.exit("usage: fuzz_readers.py {%s} [libFuzzer flags]" % ",".join(KINDS))
    kind = sys.argv.pop(1)
    atheris.Setup(sys.argv, lambda data: check_one(data, kind))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
