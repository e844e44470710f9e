"""Import a contact file and print the result as JSON (the same shape as POST /upload).

    python python-backend/extract_contacts.py contacts.xlsx --region IN
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from contacts.cli import run  # noqa: E402
from sidecar.settings import build as build_settings  # noqa: E402
from core.errors import DomainError  # noqa: E402
from contacts.extract import extract_file  # noqa: E402
from contacts.report import result_json  # noqa: E402


def arguments(parser):
    """FILE and the column choices."""
    parser.add_argument("file")
    parser.add_argument("--phone-column")
    parser.add_argument("--name-column")
    parser.add_argument("--country-column")
    parser.add_argument("--sheet")


def main(args):
    """Import ARGS.file."""
    if not os.path.isfile(args.file):
        raise DomainError("no_file", "There is no file at %s." % args.file)
    options = {k: getattr(args, k) for k in ("phone_column", "name_column", "country_column", "sheet")
               if getattr(args, k)}
    result = extract_file(args.file, args.region, filename=os.path.basename(args.file), **options)
    return result_json(result, region_source="request")


if __name__ == "__main__":
    sys.exit(run(main, __doc__.splitlines()[0], arguments, build_settings().default_region))
