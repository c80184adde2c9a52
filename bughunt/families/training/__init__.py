"""The training family (gradient_sign/* and bias_update/*): hand-written gradient descent.

`probes.py` runs in the sandboxed child: it calls the student's `gradients` at parameter
points the parent chose and `train` on hidden data, and sends back the raw arrays.
`cases.py` (parent) builds the hidden data; `judges.py` (parent) holds the exact losses,
their optima, central finite differences and the messages.
"""
