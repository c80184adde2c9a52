"""Numerical stability (sigmoid and log_epsilon): exp that overflows, log that meets an
exact 0. `probes` runs in the child; `cases` and `judges` stay in the parent."""
