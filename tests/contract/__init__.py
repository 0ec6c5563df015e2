"""Tests of the contract suite (scripts/plivo_contract/) and the mutant providers it must catch."""
