"""`python -m benchmarks [mock|client|memory|tooling ...] [--quick]`: run, print, save.

With no section named, all of them run in order. The Markdown goes to stdout and to
build/bench/latest.md (or --out).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    client_bench,
    memory_bench,
    mock_bench,
    node_bench,
    report,
    servers,
    tooling_bench,
)

SECTIONS: dict[str, tuple[str, Callable[[bool], list[report.Table]]]] = {
    "mock": ("Mock throughput and latency", mock_bench.run),
    "client": ("Client cost", client_bench.run),
    "node": ("Node client cost", node_bench.run),
    "memory": ("Memory", memory_bench.run),
    "tooling": ("Tooling speed", tooling_bench.run),
}
DEFAULT_OUT = servers.ROOT / "build" / "bench" / "latest.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (all)")
    parser.add_argument("--quick", action="store_true", help="short smoke run (1 repetition)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report file")
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    chosen = args.sections or list(SECTIONS)
    flags = [*args.sections, *(["--quick"] if args.quick else [])]
    command = " ".join(["python -m benchmarks", *flags]) if flags else "make bench"
    parts = []
    for name in chosen:
        title, run = SECTIONS[name]
        started = time.monotonic()
        print(f"[bench] {name}...", file=sys.stderr, flush=True)
        tables = run(args.quick)
        print(f"[bench] {name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        parts.append(f"#### {title}\n\n" + "\n".join(t.markdown() for t in tables))
    report.write(args.out, report.document(command, parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
