"""Check one phone number and print its formats as JSON (the same shape as POST /validate-number).

    python python-backend/validate_number.py "020 7946 0018" --region GB
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from contacts.cli import run  # noqa: E402
from sidecar.settings import build as build_settings  # noqa: E402
from contacts.validate import describe_number  # noqa: E402


def arguments(parser):
    """NUMBER."""
    parser.add_argument("number")


def main(args):
    """Describe ARGS.number."""
    return dict(describe_number(args.number, args.region), region_assumed=args.region)


if __name__ == "__main__":
    sys.exit(run(main, __doc__.splitlines()[0], arguments, build_settings().default_region))
