"""The byte-level helpers of the number fast path (contacts/fast_bytes.py) against plain Python on random rows:
empty rows anywhere, rows longer than 255 bytes with more than 255 flagged bytes, slices of larger arrays."""
import random

import numpy as np
import pyarrow as pa

from contacts.fast_bytes import drop_ascii_chars, per_row_sums, plain_number_mask


def random_offsets(rng, rows):
    """Row offsets from 0 for ROWS rows of mixed lengths, empty and long ones included."""
    sizes = [rng.choice([0, 0, 1, 2, 14, 255, 256, 700]) for _ in range(rows)]
    return np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)


def test_per_row_sums_counts_each_rows_flags():
    """Every row's count equals the sum of its slice of the flags, whatever the lengths and the share set."""
    rng = random.Random(11)
    for _ in range(400):
        offsets = random_offsets(rng, rng.randrange(0, 12))
        share = rng.random()
        flags = np.array([rng.random() < share for _ in range(int(offsets[-1]))], dtype=bool)
        expected = [int(flags[a:b].sum()) for a, b in zip(offsets[:-1], offsets[1:])]
        assert per_row_sums(flags, offsets).tolist() == expected


def test_drop_ascii_chars_and_the_plain_number_mask_match_python():
    """Deleting formatting characters and telling plain numbers apart, on random text rows (sliced arrays
    too), give what str.translate and a per-row check give."""
    rng = random.Random(12)
    alphabet = "0123456789 -().+/éa\u00a0"
    for _ in range(200):
        rows = ["".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 9, 14, 300]))) for _ in range(12)]
        arr = pa.array(["pad"] + rows, pa.large_string()).slice(1)
        dropped = drop_ascii_chars(arr, " -().")
        assert dropped.to_pylist() == [r.translate({ord(c): None for c in " -()."}) for r in rows]
        mask = plain_number_mask(dropped, 7)
        expected = [(r.isascii() and r.isdigit() and len(r) >= 7) or
                    (r[:1] == "+" and r[1:].isascii() and r[1:].isdigit() and len(r) >= 8)
                    for r in dropped.to_pylist()]
        assert mask.tolist() == expected


def test_leading_numbers_and_first_bytes_read_each_rows_own_bytes():
    """The first digits of each row as a number (-1 when shorter), and the first-byte test, at the buffer's end
    too (empty and short rows last, a sliced array)."""
    from contacts.arrowtext import byte_table, first_byte_in
    from contacts.fast_bytes import leading_numbers

    rng = random.Random(13)
    digits_table = byte_table([(0x30, 0x39)])
    for _ in range(300):
        rows = ["".join(rng.choice("0123456789") for _ in range(rng.choice([0, 1, 2, 3, 5, 12]))) for _ in range(8)]
        arr = pa.array(["9"] + rows, pa.large_string()).slice(1)
        width = rng.choice([1, 2, 3])
        assert leading_numbers(arr, width).tolist() == [int(r[:width]) if len(r) >= width else -1 for r in rows]
        assert first_byte_in(arr, digits_table).tolist() == [bool(r) for r in rows]
    empty = pa.array(["", ""], pa.large_string())
    assert leading_numbers(empty, 2).tolist() == [-1, -1]
    assert first_byte_in(empty, digits_table).tolist() == [False, False]
    assert plain_number_mask(empty, 1).tolist() == [False, False]
