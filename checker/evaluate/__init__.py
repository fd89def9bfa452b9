"""The evaluator: a pure function of a baseline and snapshots, one module per rule family."""
