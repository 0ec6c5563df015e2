"""The contract suite: schemathesis + named probes against any Plivo-compatible provider.

`plivo-contract` (or `python -m plivo_contract`) is the runner; `scripts/contract` and
`make contract` call it from a checkout. See README.md next to this file.
"""
