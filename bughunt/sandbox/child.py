"""Entry point of the sandboxed process: load the grader (trusted) and the student file
(untrusted), run the grader's probe on each hidden case, and write raw observations.

Nothing here decides pass or fail; the parent does that from the observations.
"""
from __future__ import annotations

import json
import os
import random
import sys
import traceback
import types
import warnings


def describe(exc: BaseException, student_file: str) -> dict:
    """Type, message and the student's line for an exception; never the grader's traceback."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == student_file:
            line = frame.lineno
    if isinstance(exc, SyntaxError) and exc.filename == student_file:
        line = exc.lineno
    from bughunt.probe import ContractError

    message = str(exc)
    if len(message) > 400:
        message = message[:400] + "..."
    return {
        "type": type(exc).__name__,
        "message": message,
        "line": line,
        "contract": isinstance(exc, ContractError),
    }


def load_student(path: str) -> types.ModuleType:
    with open(path, "rb") as fh:
        source = fh.read()
    module = types.ModuleType("student_submission")
    module.__file__ = path
    sys.modules["student_submission"] = module
    code = compile(source, path, "exec", dont_inherit=True)
    exec(code, module.__dict__)
    return module


_GUARDED = ("numpy", "numpy.linalg", "numpy.random", "numpy.testing", "builtins", "json")


def snapshot() -> dict:
    """Module namespaces a submission might monkeypatch at import time to fool a probe."""
    import importlib

    return {name: dict(vars(importlib.import_module(name))) for name in _GUARDED}


def restore(saved: dict) -> None:
    """Undo import-time patches (reassigned or added attributes) of the guarded modules.

    Submodules imported meanwhile (numpy.fft, numpy.random, ...) stay: the import system
    binds them as attributes, and numpy's lazy __getattr__ recurses if they vanish.
    """
    for name, attrs in saved.items():
        namespace = vars(sys.modules[name])
        for key in [k for k in namespace if k not in attrs]:
            if not isinstance(namespace[key], types.ModuleType):
                del namespace[key]
        for key, value in attrs.items():
            if namespace.get(key) is not value:
                namespace[key] = value


def reseed() -> None:
    random.seed(0)
    import numpy as np

    np.random.seed(0)


def main() -> None:
    # numpy is what every probe needs: import it before the request arrives, so a child
    # started early (runner.prestart) spends its wait doing that.
    import numpy  # noqa: F401

    import bughunt.probe  # noqa: F401
    import bughunt.sandbox.wire  # noqa: F401

    serve(json.loads(sys.stdin.read()))


#: the only packages a request may name a probe from: trusted child-side code
PROBE_PACKAGE = "bughunt.families."


def load_probe(name: str):
    """The Probe object `module:attribute`, imported from bughunt.families only."""
    import importlib

    from bughunt.probe import Probe

    module_name, _, attr = name.partition(":")
    if not module_name.startswith(PROBE_PACKAGE) or not module_name.endswith("probes") or not attr:
        raise ValueError(f"not a probe: {name!r}")
    probe = getattr(importlib.import_module(module_name), attr)
    if not isinstance(probe, Probe):
        raise ValueError(f"not a probe: {name!r}")
    return probe


class _SplitGrader:
    """Adapts a Probe and the inputs the parent sent to the loop below."""

    def __init__(self, request: dict):
        from bughunt.sandbox import wire

        self.probe = load_probe(request["probe"])
        self.config = request.get("config") or {}
        self.inputs = wire.loads(request["cases"])

    def cases(self):
        return self.inputs

    def instrument(self):
        self.probe.instrument(self.config)

    def probe_case(self, student, case):
        return self.probe.run(student, case, self.config)


def serve(request: dict) -> None:
    """Grade one request and leave the process. The request names a probe under
    bughunt.families and carries the inputs; no grader is ever loaded here."""
    student_file = request["student"]
    if request.get("nproc"):
        import resource

        n = int(request["nproc"])
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
    if request.get("tmpdir"):  # without a jail: a temporary folder of the run's own
        import tempfile

        os.environ["TMPDIR"] = request["tmpdir"]
        tempfile.tempdir = None
    if "source" in request:  # the parent sends the source; it is written to our own folder
        import base64

        os.makedirs(os.path.dirname(student_file), exist_ok=True)
        with open(student_file, "wb") as fh:
            fh.write(base64.b64decode(request.pop("source")))
    from bughunt import probe as probe_helpers
    from bughunt.sandbox import wire

    probe_helpers.STUDENT_FILE[:] = [student_file]
    grader = _SplitGrader(request)
    run_case = grader.probe_case
    cases = grader.cases()
    grader.instrument()
    result: dict = {"token": request["token"], "import": None, "cases": []}
    warnings.simplefilter("default")
    reseed()
    saved = snapshot()
    if request.get("result_fd") is not None:
        os.write(int(request["result_fd"]), b"S")  # runner.STARTED: the submission's time starts now
    try:
        student = load_student(student_file)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are student errors here too
        result["import"] = describe(exc, student_file)
        student = None
    restore(saved)
    result["functions"] = probe_helpers.FUNCTION_LINES
    if student is not None:
        for case in cases:
            try:
                reseed()
                result["cases"].append({"ok": run_case(student, case)})
            except BaseException as exc:
                result["cases"].append({"error": describe(exc, student_file)})
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()  # what the submission printed, before os._exit drops it
        except BaseException:
            pass
    payload = wire.dumps(result).encode("utf-8")
    fd = int(request["result_fd"])  # a pipe to the parent: never a path the child could pick
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)
    # Skip atexit handlers and finalizers the submission may have registered.
    os._exit(0)


if __name__ == "__main__":
    main()
