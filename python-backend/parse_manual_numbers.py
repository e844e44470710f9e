"""Find and clean the phone numbers in pasted text; prints JSON (the same shape as POST /parse-manual-numbers).

    python python-backend/parse_manual_numbers.py "+91 98765 43210, 020 7946 0018" --region GB
    pbpaste | python python-backend/parse_manual_numbers.py - --region IN
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from contacts.cli import run  # noqa: E402
from sidecar.settings import build as build_settings  # noqa: E402
from contacts.extract import extract_text  # noqa: E402
from contacts.report import result_json  # noqa: E402


def arguments(parser):
    """TEXT, or - for standard input."""
    parser.add_argument("text", nargs="?", default="-", help="the numbers, or - (default) to read standard input")


def main(args):
    """Parse ARGS.text."""
    text = sys.stdin.read() if args.text == "-" else args.text
    return result_json(extract_text(text, args.region), region_source="request")


if __name__ == "__main__":
    sys.exit(run(main, __doc__.splitlines()[0], arguments, build_settings().default_region))
