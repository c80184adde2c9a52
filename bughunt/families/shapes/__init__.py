"""Shapes family (shape_mismatch): probes (child side), judges and hidden-case builders (parent side).

- `probes.py`: calls the student's functions on hidden inputs, traces the shape of every
  array derived from them and the peak memory of each call; no expected value lives there.
- `cases.py`: hidden data, adversarial sizes (a single row, fewer rows than classes, square
  matrices, many rows) built from `case_rng(seed, ...)`.
- `judges.py`: exact references (linear regression, two-layer network, softmax regression)
  and the checks and messages shared by the family's graders.
"""
