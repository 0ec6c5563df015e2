"""`make bench`: figures and ratios for the mock, the client, memory and tooling.

Every measurement is a bounded run on loopback; figures compared with each other come from
the same invocation, interleaved over several repetitions, and are reported as medians with
their spread, because the 2-core machines this runs on are noisy.
"""
