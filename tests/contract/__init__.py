"""The contract suite: schemathesis + named probes against any Plivo-compatible provider.

`python -m tests.contract` from the repository root (`make contract` does this) is the runner.
"""
