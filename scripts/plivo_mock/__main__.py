"""`python -m plivo_mock`: serve the mock with uvicorn until SIGTERM or Ctrl-C (exit 0)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import yaml

from .app import MockApp, create_app
from .cli import Parser, Server, add_limit_options, server_config, whole
from .config import MAX_COUNT, MockConfig


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m plivo_mock",
        description="A stateful local Plivo for the Send DTMF endpoint, validated by the spec.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=whole(1, 65535), default=4010)
    parser.add_argument(
        "--strict", action="store_true", help="answer 400 to body fields the spec does not name"
    )
    limit = parser.add_mutually_exclusive_group()
    limit.add_argument(
        "--rate-limit",
        type=whole(1, MAX_COUNT),
        metavar="N",
        default=MockConfig.rate_limit,
        help="requests per account per 5 s (default %(default)s)",
    )
    limit.add_argument("--no-rate-limit", action="store_true", help="switch the limit off")
    parser.add_argument("--seed", type=Path, metavar="FILE", help="more accounts and calls")
    parser.add_argument(
        "--max-events",
        type=whole(1, MAX_COUNT),
        default=MockConfig.max_events_per_call,
        metavar="N",
        help="events kept per call, oldest dropped (default %(default)s)",
    )
    parser.add_argument(
        "--callback-host",
        action="append",
        default=[],
        metavar="HOST",
        help="also deliver callbacks to HOST (loopback only by default); repeatable",
    )
    add_limit_options(parser)
    parser.add_argument(
        "--control-from-any-host",
        action="store_true",
        help="let peers that are not loopback use the control API (/__mock__/)",
    )
    parser.add_argument("--spec", type=Path, default=MockConfig.spec_path)
    parser.add_argument("--control-spec", type=Path, default=MockConfig.control_spec_path)
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument(
        "--proxy",
        metavar="UPSTREAM_URL",
        help="proxy mode: forward to UPSTREAM_URL, check traffic against the spec "
        "(options: --proxy URL --help)",
    )
    return parser


def _banner(app: MockApp, host: str, port: int) -> str:
    config = app.config
    limit = (
        "off"
        if config.rate_limit is None
        else f"{config.rate_limit} per {config.rate_window_s:g} s"
    )
    base = f"http://{host}:{port}"
    lines = [
        f"plivo-mock serving {base} (spec {config.spec_path})",
        f"  strict mode {'on' if config.strict else 'off'}, rate limit {limit},"
        f" {config.max_events_per_call} events kept per call",
    ]
    for account in app.state.accounts.values():
        if account.token_is_embedded:
            origin = f"Auth Token {account.auth_token} (embedded default)"
        elif account is config.default_account:
            origin = "Auth Token from PLIVO_AUTH_TOKEN"
        else:
            origin = "Auth Token from the seed file"
        lines.append(f"  account {account.auth_id}  {origin}")
        for call in app.state.of_account(account.auth_id):
            bleg = "bridged b-leg" if call.bleg else "no b-leg"
            lines.append(f"    live call {call.call_uuid} ({bleg})")
    peers = "loopback peers only" if config.control_loopback_only else "any peer"
    lines.append(f"  control API {base}/__mock__/ ({config.control_spec_path}), {peers}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if any(arg == "--proxy" or arg.startswith("--proxy=") for arg in argv):
        from .proxy import main as proxy_main

        proxy_main(argv)
        return
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    overrides: dict[str, Any] = {
        "strict": args.strict,
        "rate_limit": None if args.no_rate_limit else args.rate_limit,
        "seed_file": args.seed,
        "max_events_per_call": args.max_events,
        "callback_hosts": MockConfig.callback_hosts | {h.lower() for h in args.callback_host},
        "spec_path": args.spec,
        "control_spec_path": args.control_spec,
        "access_log": not args.no_access_log,
        "body_timeout_s": args.body_timeout,
        "control_loopback_only": not args.control_from_any_host,
    }
    try:
        app = create_app(MockConfig.from_env(**overrides))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        # ValueError covers bad accounts, seed files and specs (each message names its file);
        # no token is in these texts. One line, exit 2, as for a bad option.
        sys.stderr.write(f"plivo-mock: {' '.join(str(exc).split())}\n")
        raise SystemExit(2) from None
    print(_banner(app, args.host, args.port), flush=True)
    Server(server_config(app, args)).run()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
