"""The warm fork server gives the same observations as a cold sandbox, runs several
submissions at once, and leaves nothing running when it stops."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bughunt.grader import load_grader
from bughunt.grading import grade
from bughunt.sandbox import Limits, run_probe
from bughunt.sandbox.warm import WarmClient, WarmSandbox

from .conftest import exercise

IDS = ("sigmoid/overflow-basic", "leakage/scaler-before-split")


@pytest.fixture(scope="module")
def warm():
    with WarmSandbox() as server:
        yield server


def _fixed(ex, tmp_path):
    path = tmp_path / ex.file
    path.write_text(load_grader(ex.grader_path).reference_example().apply(ex.path.read_text()))
    return path


@pytest.mark.parametrize("ex_id", IDS)
def test_warm_and_cold_observe_the_same(warm, ex_id):
    ex = exercise(ex_id)
    limits = Limits(timeout=ex.timeout)
    cold, hot = run_probe(ex.grader_path, ex.path, limits), warm.run(ex.grader_path, ex.path, limits)
    assert cold.outcome == hot.outcome == "ok"
    strip = lambda obs: repr({k: v for k, v in obs.items() if k != "token"})  # noqa: E731
    assert strip(cold.observations) == strip(hot.observations)


@pytest.mark.parametrize("ex_id", IDS)
def test_verdicts_agree_for_broken_and_fixed(warm, ex_id, tmp_path):
    ex = exercise(ex_id)
    for path, expected in ((ex.path, "fail"), (_fixed(ex, tmp_path), "pass")):
        cold, hot = grade(ex, path), grade(ex, path, runner=warm.run)
        assert cold.status == hot.status == expected, hot.lines()
        assert [(c.name, c.passed) for c in cold.checks] == [(c.name, c.passed) for c in hot.checks]


def test_concurrent_runs_keep_their_own_results(warm, tmp_path):
    ex = exercise("sigmoid/overflow-basic")
    fixed = _fixed(ex, tmp_path)
    paths = [ex.path, fixed] * 4
    with ThreadPoolExecutor(4) as pool:
        verdicts = list(pool.map(lambda p: grade(ex, p, runner=warm.run), paths))
    assert [v.status for v in verdicts] == ["fail", "pass"] * 4


def test_a_fresh_process_per_run(warm, tmp_path):
    """Each run is a fresh process in its own session, with a /tmp of its own: what one
    run leaves there, the next does not see."""
    ex = exercise("sigmoid/overflow-basic")
    probe = tmp_path / ex.file
    probe.write_text(
        ex.path.read_text()
        + "\nimport os, tempfile\n"
        + "d = tempfile.gettempdir()\n"
        + "seen = os.path.exists(os.path.join(d, 'left-by-a-run'))\n"
        + "open(os.path.join(d, 'left-by-a-run'), 'w').write('x')\n"
        + "print('RUN', os.getpid(), os.getsid(0), seen)\n"
    )
    runs = []
    for _ in range(2):
        out = warm.run(ex.grader_path, probe, Limits(timeout=10)).output
        runs += [line.split()[1:] for line in out.splitlines() if line.startswith("RUN ")]
    assert len(runs) == 2
    assert all(seen == "False" for _, _, seen in runs), "a run saw what another left in /tmp"
    assert all(pid == sid for pid, sid, _ in runs), "a run did not get its own session"
    if not warm.jailed:
        assert runs[0][0] != runs[1][0], "two runs shared a process"
        assert all(int(pid) != warm.proc.pid for pid, _, _ in runs)


def test_a_client_in_another_process_can_use_the_server(warm):
    import pickle

    client = pickle.loads(pickle.dumps(warm.client))
    assert isinstance(client, WarmClient)
    ex = exercise("sigmoid/overflow-basic")
    assert client.run(ex.grader_path, ex.path, Limits(timeout=10)).outcome == "ok"


def _marked(marker: str) -> list[int]:
    """Live processes (not zombies) that carry a sandbox's marker in their environment."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
            with open(f"/proc/{entry}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if f"BUGHUNT_SANDBOX={marker}".encode() in env and state != b"Z":
            found.append(int(entry))
    return found


def test_stopping_the_server_stops_running_submissions(tmp_path):
    ex = exercise("sigmoid/overflow-basic")
    slow = tmp_path / "model.py"
    slow.write_text("import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\ntime.sleep(60)\n")
    server = WarmSandbox()
    marker = server.marker
    with ThreadPoolExecutor(1) as pool:
        fut = pool.submit(server.run, ex.grader_path, slow, Limits(timeout=30))
        time.sleep(1.0)
        server.close()
        result = fut.result(timeout=30)
    assert result.outcome != "ok"
    for _ in range(50):
        if not _marked(marker):
            break
        time.sleep(0.1)
    assert not _marked(marker), "a submission outlived its server"
    with pytest.raises(ProcessLookupError):
        os.kill(server.proc.pid, 0)


def test_a_dead_server_gives_a_reason_not_a_hang(tmp_path):
    ex = exercise("sigmoid/overflow-basic")
    server = WarmSandbox()
    server.close()
    result = server.run(ex.grader_path, ex.path, Limits(timeout=5))
    assert result.outcome == "internal" and "server" in result.detail


def test_the_same_file_always_gets_the_same_verdict(warm, tmp_path):
    ex = exercise("leakage/scaler-before-split")
    fixed = _fixed(ex, tmp_path)
    for path in (ex.path, fixed):
        seen = []
        for runner in (warm.run, warm.run, None):
            d = grade(ex, path, runner=runner).to_dict()
            d.pop("duration")
            seen.append(d)
        assert seen[0] == seen[1] == seen[2]


def test_a_large_request_arrives_whole(warm, monkeypatch):
    """Hidden cases can be large: a request far above one socket buffer still arrives."""
    from bughunt.sandbox import warm as warm_module

    real = warm_module.request_for

    def padded(*args, **kwargs):
        request = real(*args, **kwargs)
        request["padding"] = "x" * 3_000_000
        return request

    monkeypatch.setattr(warm_module, "request_for", padded)
    ex = exercise("sigmoid/overflow-basic")
    result = warm.run(ex.grader_path, ex.path, Limits(timeout=60))
    assert result.outcome == "ok", result.detail


@pytest.mark.parametrize("where", ["warm", "cold"])
def test_a_reply_read_late_is_still_the_whole_reply(warm, where, monkeypatch, tmp_path):
    """On a busy machine the threads that read a run's reply may get the CPU only seconds
    after the run ended. The verdict must wait for the whole reply: a reader starved for
    3 s once left a correct fix judged on an empty reply ("exited with status 0")."""
    import bughunt.sandbox.runner as runner
    import bughunt.sandbox.warm as warm_module

    read = runner._read_capped

    def starved(fd, *args):
        time.sleep(3)
        return read(fd, *args)

    monkeypatch.setattr(warm_module if where == "warm" else runner, "_read_capped", starved)
    ex = exercise("sigmoid/overflow-basic")
    fixed = _fixed(ex, tmp_path)
    run = warm.run if where == "warm" else run_probe
    result = run(ex.grader_path, fixed, Limits(timeout=ex.timeout))
    assert result.outcome == "ok", (result.outcome, result.detail)
    assert grade(ex, fixed, runner=run).status == "pass"


def test_the_students_time_starts_when_the_run_reaches_their_code():
    """A warm run's clock starts at the child's STARTED byte, as a cold run's does: the
    fork and the jail's namespaces (slow on a busy kernel) are not the student's time."""
    import socket
    import threading

    from bughunt.sandbox.warm import _NOT_YET, _Lines

    ours, theirs = socket.socketpair()
    try:
        started = threading.Event()
        threading.Timer(0.3, started.set).start()  # set-up takes a while; nothing arrives meanwhile
        t0 = time.monotonic()
        assert WarmClient._until_started(_Lines(ours), started) is _NOT_YET
        assert time.monotonic() - t0 >= 0.3
        theirs.sendall(b'{"status": 256}\n')  # a run that ended before reaching the student's code
        assert WarmClient._until_started(_Lines(ours), threading.Event()) == {"status": 256}
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize("where", ["warm", "cold"])
def test_a_run_that_never_reaches_the_submission_is_not_the_students_timeout(warm, where, monkeypatch, tmp_path):
    """Past the start-up backstop with the student's code not yet loaded, only our own
    set-up has run: the machinery's failure (regraded), never "did not finish in time"."""
    import bughunt.sandbox.runner as runner
    import bughunt.sandbox.warm as warm_module

    monkeypatch.setattr(warm_module if where == "warm" else runner, "STARTUP_BACKSTOP", 0.0)
    ex = exercise("sigmoid/overflow-basic")
    run = warm.run if where == "warm" else run_probe
    result = run(ex.grader_path, _fixed(ex, tmp_path), Limits(timeout=ex.timeout))
    assert result.outcome == "internal" and "did not start" in result.detail, (result.outcome, result.detail)
