"""Runs on several threads (a category check, dev check) remove their finished cgroups
through one shared list: concurrent sweeps must never raise into a grading."""
from __future__ import annotations

import threading

from bughunt.sandbox import jail


def test_concurrent_sweeps_remove_everything_without_raising(tmp_path, monkeypatch):
    monkeypatch.setattr(jail, "_pending", [])
    for i in range(300):
        (tmp_path / f"c{i}" / "sub").mkdir(parents=True)
        jail._pending.append(tmp_path / f"c{i}")
    errors: list[str] = []

    def sweep():
        try:
            jail._sweep()
        except Exception as exc:  # the bug this guards against: FileNotFoundError, ValueError
            errors.append(repr(exc))

    threads = [threading.Thread(target=sweep) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and jail._pending == [] and list(tmp_path.iterdir()) == []
