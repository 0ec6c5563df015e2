"""`python -m plivo_contract`: the same runner as the `plivo-contract` console script."""

from .cli import main

raise SystemExit(main())
