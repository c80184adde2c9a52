"""The shape_mismatch family: static checks (three-valued snippets), the child-side probe
helpers, and the hidden cases."""
import numpy as np
import pytest

from bughunt.grader import PUBLIC_SEED, load_grader
from bughunt.static import shapes
from bughunt.static.base import Source
from bughunt.static.suppressions import shapes as supp

from .conftest import EXERCISES

CHECKS = [supp.NumpyResize(), supp.ShapeSlicing(), supp.HardcodedShape(), *shapes.example_checks()]
SHAPE_EXERCISES = [e for e in EXERCISES if e.id.startswith("shape_mismatch/")]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_snippets(check):
    for snippet in check.VALID:
        assert check.assess(Source.parse(snippet)).outcome != "wrong", snippet
    for snippet in check.INVALID:
        got = check.assess(Source.parse(snippet))
        assert got.outcome == "wrong" and all(f.line >= 1 and f.message for f in got.findings), snippet
    for snippet in check.UNKNOWN:
        got = check.assess(Source.parse(snippet))
        assert got.outcome == "unknown" and got.note, snippet


def test_tracer_and_memory_see_a_pairwise_array_behind_asarray():
    from bughunt.families.shapes.probes import Watch
    from bughunt.probe import traced

    n = 1500
    y = np.arange(n, dtype=float)
    pred = np.zeros((n, 1))

    def visible(y):
        return np.diag(pred - y)

    def hidden(y):
        return np.diagonal(np.asarray(pred) - np.asarray(y))

    def honest(y):
        return pred[:, 0] - np.asarray(y)

    watch = Watch(n, measure_memory=True)
    watch.call("visible", visible, traced(y))
    watch.call("hidden", hidden, traced(y))
    watch.call("honest", honest, traced(y))
    assert any(e.startswith("visible:") for e in watch.pairwise)
    assert not any(e.startswith(("hidden:", "honest:")) for e in watch.pairwise)  # asarray strips the tracer...
    assert watch.peaks["hidden"] >= n * n and watch.peaks["visible"] >= n * n  # ...but not the memory
    assert watch.peaks["honest"] < 0.05 * n * n


def test_memory_is_measured_only_on_the_cases_marked_for_it():
    """The allocation tracer slows every allocation; the parent marks the one regression case
    large enough for an (n, n) array to stand out, and only that case is traced."""
    import tracemalloc

    from bughunt.families.shapes.cases import PAIRWISE_MEMORY_ROWS
    from bughunt.families.shapes.probes import Watch

    seen = []
    watch = Watch(10)
    watch.call("f", lambda: seen.append(tracemalloc.is_tracing()))
    assert seen == [False] and watch.peaks == {} and watch.observations()["tracing_intact"]
    for ex in SHAPE_EXERCISES:
        grader = load_grader(ex.grader_path)
        for case in grader.cases(PUBLIC_SEED):
            if "measure_memory" in case:
                assert case["measure_memory"] == (len(case["X"]) >= PAIRWISE_MEMORY_ROWS)
    flat = load_grader(next(e for e in SHAPE_EXERCISES if e.slug == "flat-loss-regression").grader_path)
    assert [c["measure_memory"] for c in flat.cases(PUBLIC_SEED)].count(True) == 1


def test_watch_reports_errors_with_the_student_line_and_no_traceback():
    from bughunt.families.shapes.probes import Watch

    def broken(a):
        return np.dot(a, a)

    value, err = Watch(3).call("broken", broken, np.zeros((2, 3)))
    assert value is None and err.startswith("ValueError") and "Traceback" not in err


@pytest.mark.parametrize("ex", SHAPE_EXERCISES, ids=lambda e: e.id)
def test_hidden_cases_are_seeded_and_differ_from_the_visible_data(ex):
    grader = load_grader(ex.grader_path)
    a, b, other = grader.cases(PUBLIC_SEED), grader.cases(PUBLIC_SEED), grader.cases(12345)
    assert len(a) == len(b) == len(other) >= 3
    for x, y, z in zip(a, b, other):
        assert np.array_equal(x["X"], y["X"]) and not np.array_equal(x["X"], z["X"]) if x["X"].shape == z["X"].shape else True
    sizes = {c["X"].shape for c in a}
    assert (120, 3) not in sizes and (200, 5) not in sizes and (150, 4) not in sizes


def test_softmax_cases_cover_one_row_fewer_rows_than_classes_and_square():
    ex = next(e for e in SHAPE_EXERCISES if e.id.endswith("softmax-wrong-axis"))
    shapes_seen = {c["Z"].shape for c in load_grader(ex.grader_path).cases(PUBLIC_SEED)}
    assert any(r == 1 for r, _ in shapes_seen)
    assert any(1 < r < k for r, k in shapes_seen)
    assert any(r == k for r, k in shapes_seen)
    assert any(r > k for r, k in shapes_seen)


@pytest.mark.parametrize("ex", SHAPE_EXERCISES, ids=lambda e: e.id)
def test_reference_satisfies_the_symptom_thresholds(ex):
    """The thresholds the judges use (loss falls, beats the mean / a uniform guess) hold for
    the exact reference on every hidden case, so a correct fix can always meet them."""
    from bughunt.families.shapes import judges

    grader = load_grader(ex.grader_path)
    for case in grader.cases(PUBLIC_SEED):
        if isinstance(grader, judges.LinearRegressionGrader):
            if case["train_check"]:
                w, b = judges.regression_fit(case["X"], case["y"], case["lr"], case["epochs"])
                assert np.mean((case["X"] @ w + b - case["y"]) ** 2) <= 0.5 * grader.TRAINED_SHARE * np.var(case["y"])
        elif isinstance(grader, judges.SoftmaxRegressionGrader):
            W, b = judges.softmax_fit(case["X"], case["y"], case["k"], case["lr"], case["epochs"])
            assert judges.softmax_loss(case["X"], case["y"], W, b) <= 0.8 * grader.TRAINED_SHARE * np.log(case["k"])


def test_network_reference_loss_falls_on_every_hidden_case():
    from bughunt.families.shapes import judges

    ex = next(e for e in SHAPE_EXERCISES if e.id.endswith("transposed-output-weights"))
    grader = load_grader(ex.grader_path)
    for case in grader.cases(PUBLIC_SEED):
        X, Y, h = case["X"], case["Y"], case["h"]
        d, k = X.shape[1], Y.shape[1]
        rng = np.random.default_rng(case["seed"])
        p = {"W1": rng.normal(0, 1 / np.sqrt(d), (d, h)), "b1": np.zeros(h),
             "W2": rng.normal(0, 1 / np.sqrt(h), (h, k)), "b2": np.zeros(k)}
        first = judges.net_loss(X, Y, judges.net_train(X, Y, p, case["lr"], 1))
        last = judges.net_loss(X, Y, judges.net_train(X, Y, p, case["lr"], case["epochs"]))
        assert last <= 0.8 * grader.LOSS_DROP * first


def test_softmax_message_names_what_is_wrong():
    """Rows that sum to 1 are never reported by their sums; rows that do not are."""
    from bughunt.families.shapes import judges

    ex = next(e for e in SHAPE_EXERCISES if e.id.endswith("softmax-wrong-axis"))
    grader = load_grader(ex.grader_path)
    Z = np.array([[3.0, 0.0, -1.0], [0.5, 0.2, 0.1]])
    right = judges.row_softmax(Z)
    assert grader._softmax_message(right, Z) is None
    renormalised = np.exp(Z) / np.exp(Z).sum(axis=0)
    renormalised /= renormalised.sum(axis=1, keepdims=True)
    text = grader._softmax_message(renormalised, Z)
    assert "sums to 1, but" in text and "summing to" not in text
    columns = np.exp(Z) / np.exp(Z).sum(axis=0)
    assert "summing to" in grader._softmax_message(columns, Z)
    assert "returning shape (3,)" in grader._softmax_message(right[0], Z[:1])
