"""A stateful local stand-in for Plivo's Send DTMF endpoint, validated by the spec."""
