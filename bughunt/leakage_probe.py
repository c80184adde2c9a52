"""Child-side tools for leakage probes: learn which rows a submission holds out, and build
perturbed copies of hidden data. Used from graders' `instrument` and `probe`."""
from __future__ import annotations

import functools

import numpy as np


class SplitRecorder:
    """Wraps sklearn's train_test_split so each call also reports the row indices it produced.

    The wrapper splits one extra array (0..n-1) in the same call, so the indices are exactly
    the rows of the student's split, whatever stratify or random_state they pass.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[int, np.ndarray, np.ndarray]] = []

    def install(self) -> None:
        import sklearn.model_selection as ms
        import sklearn.model_selection._split as split_mod

        original = split_mod.train_test_split
        recorder = self

        @functools.wraps(original)
        def train_test_split(*arrays, **options):
            if not arrays:
                return original(*arrays, **options)
            n = len(arrays[0])
            out = original(*arrays, np.arange(n), **options)
            recorder.calls.append((n, np.asarray(out[-2]), np.asarray(out[-1])))
            return out[:-2]

        ms.train_test_split = train_test_split
        split_mod.train_test_split = train_test_split

    def reset(self) -> None:
        self.calls.clear()

    def first_split(self, n: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(train, test) indices of the first split of an n-row array during the last run."""
        for rows, train, test in self.calls:
            if rows == n:
                return train, test
        return None


RECORDER = SplitRecorder()


def scale_rows(X: np.ndarray, rows: np.ndarray, factor: float = 25.0, shift: float = 7.0) -> np.ndarray:
    """A copy of X in which the given rows become large outliers; other rows are untouched."""
    out = np.array(X, dtype=float, copy=True)
    out[rows] = out[rows] * factor + shift
    return out


def column_affine(X: np.ndarray, seed: int) -> np.ndarray:
    """A copy of X with every column rescaled and shifted by a random positive affine map.
    Standardized pipelines are invariant to this; pipelines without scaling are not."""
    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-2, 2, size=X.shape[1])
    shift = rng.uniform(-50, 50, size=X.shape[1])
    return np.asarray(X, dtype=float) * scale + shift
