"""What the three command-line tools share: region option, JSON output, errors as JSON."""
import argparse
import sys

import orjson
import phonenumbers

from core.errors import DomainError



def region_option(parser, default_region):
    """Add --region (default: DEFAULT_REGION, the configured one)."""
    parser.add_argument("--region", default=default_region,
                        help="default country for numbers written without a country code (ISO alpha-2; "
                             "default: the configured default_region, now %s)" % default_region)


def checked_region(value):
    """The region upper-cased, or a bad_region error."""
    region = (value or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise DomainError("bad_region", "%r is not a country code we know (use ISO 3166 alpha-2)." % value)
    return region


def emit(payload):
    """Print PAYLOAD (bytes or an object) as JSON on stdout."""
    data = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    sys.stdout.buffer.write(data + b"\n")
    sys.stdout.flush()


def run(main, description, add_arguments, default_region):
    """Parse arguments, run MAIN(args), and turn DomainError into a JSON error with exit code 2.

    DEFAULT_REGION comes from the caller's Settings (the tools' entry scripts build them), so the engine package
    reads no configuration of its own."""
    parser = argparse.ArgumentParser(description=description)
    add_arguments(parser)
    region_option(parser, default_region)
    args = parser.parse_args()
    try:
        args.region = checked_region(args.region)
        emit(main(args))
        return 0
    except DomainError as err:
        emit({"error": err.message, "code": err.code})
        return 2
