"""Imported first in multiprocessing's fork server (see workers.worker_context): the fork
server, and so every grading worker it forks, dies with the batch process.

Workers are forked by that server, not by the batch process, so their parent-death signal
(set in run._init_worker) fires when the server dies, not when the batch does. And the
server outlives a batch killed with SIGKILL: each worker holds the server's "alive" pipe
and both ends of the pool's call queue, so no end of file ever tells anyone to stop.
Here the server asks the kernel for SIGKILL when the batch process goes.

Imported anywhere else (the batch process itself, a test) this module does nothing: it
acts only in a direct child of the process named by BUGHUNT_BATCH_PID.
"""
from __future__ import annotations

import gc
import os
import signal

from ..sandbox.forkserver import _PR_SET_PDEATHSIG, _prctl

ENV = "BUGHUNT_BATCH_PID"


def _guard() -> None:
    batch = os.environ.get(ENV, "")
    if not batch.isdigit() or int(batch) == os.getpid():
        return
    if os.getppid() != int(batch):
        if os.getppid() == 1:  # the batch died before this server got going
            os._exit(1)
        return  # not the batch's own fork server
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(batch):  # it died between the check and the prctl
        os._exit(1)
    # The server only imports (libcst, numpy, SciPy, scikit-learn), then forks workers: a
    # collection during those imports walks the whole growing heap for nothing, about a
    # tenth of their time. Each worker turns collection back on (run._init_worker).
    gc.disable()


_guard()
