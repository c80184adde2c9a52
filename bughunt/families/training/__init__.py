"""The training family (gradient_sign/* and bias_update/*): hand-written gradient descent.

`probes.py` runs in the sandboxed child: it calls the student's `gradients` at parameter
points the parent chose and `train` on hidden data, and sends back the raw arrays.
`models.py` (parent) holds the exact losses, their analytic gradients, optima and central
finite differences; `cases.py` (parent) builds the hidden data from the grading seed;
`judges.py` (parent) holds the grader base class, its runtime checks and their messages.
"""
