"""`plivo-contract`: the command line of the contract suite.

The knobs of a run are environment variables (the same names `make contract` takes, listed by
`plivo-contract --help`); the options here only say which spec to test against. They are read
before the runner is imported, because the probes are derived from the spec at import.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .spec import PACKAGED_SPEC, SPEC_ENV

KNOBS = """\
environment (the knobs of a run):
  BASE_URL, PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN   the provider and the account to test (required)
  CALL_UUID, CALL_BLEG=bridged|unbridged|unknown   the live call to pin the run to
  CONTRACT_MODE=full|negative-only   default: full on loopback, negative-only elsewhere
  CONTRACT_BUDGET (requests, default 2000), CONTRACT_RATE_LIMIT (default 40/s)
  CONTRACT_MAX_EXAMPLES (default 50), CONTRACT_PHASES (or none), CONTRACT_SEED, CONTRACT_MAX_TIME
  CONTRACT_PROBES=all|none|name,...   CONTRACT_RATE_LIMIT_PROBE=REQUESTS/SECONDS
  OTHER_CALL_UUID or OTHER_AUTH_ID/OTHER_AUTH_TOKEN   another account's call
  BRIDGED_CALL_UUID, UNBRIDGED_CALL_UUID, HUNG_UP_CALL_UUID   calls only you can make
  CALLBACK_URL, CALLBACK_LISTEN=HOST:PORT   where callbacks reach this machine
  CONTRACT_REPORT_DIR   default: reports/contract under the current directory
  CONTRACT_SPEC   the spec file (what --spec sets)
  CONTRACT_STATES   the setup hook making the calls probes need (what --states sets)
  CONTRACT_CALLER_DIR   where a --states module is imported from besides the current
                    directory (scripts/contract and make contract set it to where they started)

exit status: 0 contract kept, 1 contract violated, 2 spec/configuration error or incomplete run
"""


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="plivo-contract",
        description="Contract-test a Plivo-compatible Send DTMF provider: schemathesis and the "
        "suite's probes, one verdict.",
        epilog=KNOBS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--spec",
        type=Path,
        metavar="FILE",
        help=f"the OpenAPI document to test (default: $CONTRACT_SPEC, else {PACKAGED_SPEC})",
    )
    parser.add_argument(
        "--states",
        metavar="HOOK",
        help="make the calls the probes need (bridged, unbridged, hung up, another account's) "
        "with HOOK: module:function, or an http(s) URL taking POST {state, action, params} "
        "(default: $CONTRACT_STATES; see the README, provider states)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.spec is not None:
        if not args.spec.is_file():
            print(
                f"contract: configuration error: --spec {args.spec}: no such file", file=sys.stderr
            )
            return 2
        os.environ[SPEC_ENV] = str(args.spec.resolve())
    if args.states:
        os.environ["CONTRACT_STATES"] = args.states
    from .runner import main as run

    return run()
