"""spec-diff: what changed between two versions of the OpenAPI document, and what it breaks.

`python -m specdiff` (or `make spec-diff`) is the command line; `diff` and `bump_of` are the
library the release script and the gate use. Rules: scripts/specdiff/README.md.
"""

from specdiff.compare import Change, bump_of, diff
from specdiff.load import SpecInputError, parse, read

__all__ = ["Change", "SpecInputError", "bump_of", "diff", "parse", "read"]
