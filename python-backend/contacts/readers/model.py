"""The shapes every reader returns."""
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Sheet:
    """One table of text cells, as read."""

    name: str
    frame: pd.DataFrame
    damaged: bool = False  # a worksheet the reader could not read: empty here, reported as damage if chosen


@dataclass
class Workbook:
    """Everything read from one file."""

    file_type: str
    sheets: list = field(default_factory=list)
    free_text: str = None
