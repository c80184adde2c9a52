"""Grader families: one package per bug category (child-side probes apart from parent-side judges)."""
