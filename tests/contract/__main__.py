"""`python -m tests.contract`: the runner behind `make contract`."""

from .runner import main

raise SystemExit(main())
