"""The workers' fork server: where batch grading's worker processes come from.

Workers come from multiprocessing's fork server, not from the batch process: that one runs
threads (the progress bar), and forking a threaded process can copy a held lock into the
child. The fork server is a fresh single-threaded process that imports WORKER_PRELOAD, the
grader families and the judges' libraries once; each worker (and a restarted pool) is
forked from it. Its imports (libcst, numpy, SciPy, scikit-learn: a second and a half of
CPU) are the path to a batch's first result, so `bughunt grade` starts it before anything
else (cli.py), and grade_class starts it if nobody has.

Kept apart from run.py so that starting it imports almost nothing.
"""
from __future__ import annotations

import multiprocessing
import os

#: what every worker needs, imported once in multiprocessing's fork server and inherited
#: by each worker it forks: libcst, the static checks, and the judges' numpy, SciPy and
#: scikit-learn imports. Spawned workers spent about two seconds of CPU each on these.
WORKER_PRELOAD = (
    "bughunt.batch.forkserver_guard",  # first: the fork server must die with this process
    "bughunt.batch.run", "bughunt.grading", "bughunt.workspace", "bughunt.notebooks",
)


def worker_context():
    """multiprocessing's fork-server context, its preload set (see the module's docstring)."""
    from .forkserver_guard import ENV

    os.environ[ENV] = str(os.getpid())  # inherited by the fork server when it starts
    ctx = multiprocessing.get_context("forkserver")
    from ..families import module_names

    # The graders' own imports too (scikit-learn for the honest pipelines they compare
    # against): else every worker paid 1.3 s importing them on its first leakage file.
    from ..sandbox.forkserver import PRELOAD as LIBRARIES

    ctx.set_forkserver_preload([*WORKER_PRELOAD, *module_names(), *(m for m in LIBRARIES if not m.startswith("bughunt."))])
    global _STOP_REGISTERED
    if not _STOP_REGISTERED:
        import atexit

        atexit.register(_stop_fork_server)
        _STOP_REGISTERED = True
    return ctx


_STOP_REGISTERED = False


def _stop_fork_server() -> None:
    """At exit, end the fork server and reap it, as any other child: nothing is left
    running, and its CPU time counts towards this process's children. It is killed, not
    asked to stop: it holds no state, and a clean exit spent a third of a second tearing
    down numpy, SciPy, scikit-learn and libcst."""
    import signal
    from multiprocessing import forkserver

    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    getattr(server, "_stop", lambda: None)()


def start_fork_server() -> None:
    """Start the workers' fork server now: it imports WORKER_PRELOAD (about a second) on
    its own core while this process collects the submissions and the warm server starts.
    Workers asked for before it is ready simply wait for it."""
    worker_context()
    from multiprocessing import forkserver

    try:
        forkserver.ensure_running()
    except OSError:
        pass  # the pool starts it itself, or reports why it cannot
