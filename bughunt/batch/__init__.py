"""Batch work for instructors: rosters, submissions, grading a class, and what it writes."""
