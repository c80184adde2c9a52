"""Grader for leakage/oversample-before-split: data, contract and examples.

The checks live in bughunt.families.leakage.cv_judges.RebalanceGrader (parent) and
cv_probes.REBALANCED (child): on hidden imbalanced data, the returned test rows must be
distinct hidden rows (about TEST_SIZE of them) with the data's fraud share; no test row may
have a copy among the rows a classifier was fitted on; editing half of the test rows must
leave the predictions for the other half unchanged; and every classifier must give fraud at
least a quarter of the training weight (copies, class_weight or sample_weight: the direction
of any reweighting is measured). Static: bughunt.static.resampling (three-valued).
"""
from bughunt.families.leakage.cv_judges import RebalanceGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.resampling import OversampleTrainingRowsOnly

SPLIT_BLOCK = """    X_bal, y_bal = oversample(X, y, seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X_bal, y_bal, test_size=TEST_SIZE, random_state=seed, stratify=y_bal
    )
"""
FIXED_BLOCK = """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    X_train, y_train = oversample(X_train, y_train, seed)
"""
NO_OVERSAMPLING = FIXED_BLOCK.replace("    X_train, y_train = oversample(X_train, y_train, seed)\n", "")
MODEL = "RandomForestClassifier(n_estimators=80, random_state=seed)"
FIT_LINE = "    model.fit(X_train, y_train)\n"
BODY = SPLIT_BLOCK + f"    model = {MODEL}\n" + FIT_LINE + "    return X_test, y_test, model.predict(X_test)\n"


class OversampleBeforeSplit(RebalanceGrader):
    exercise = "leakage/oversample-before-split"
    functions = {"train_and_predict": "train_and_predict(X, y, seed) -> (X_test, y_test, predicted_labels)"}
    fn = "train_and_predict"
    specs = ((900, 0.13), (1100, 0.11))

    def static_checks(self):
        return [OversampleTrainingRowsOnly()]

    REFERENCE = ((SPLIT_BLOCK, FIXED_BLOCK),)
    PASS = [
        PASS(
            "numpy duplication of training fraud rows, renamed variables",
            (SPLIT_BLOCK, """    tr_X, X_test, tr_y, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    rng = np.random.default_rng(seed)
    fraud_rows = np.flatnonzero(tr_y == 1)
    picks = rng.choice(fraud_rows, size=int((tr_y == 0).sum()) - len(fraud_rows), replace=True)
    X_train = np.concatenate([tr_X, tr_X[picks]])
    y_train = np.concatenate([tr_y, tr_y[picks]])
"""),
        ),
        PASS(
            "np.repeat on the training minority, model built first",
            (
                SPLIT_BLOCK + f"    model = {MODEL}\n",
                f"""    model = {MODEL}
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    pos = X_train[y_train == 1]
    times = max(1, int((y_train == 0).sum() // len(pos)) - 1)
    X_train = np.vstack([X_train, np.repeat(pos, times, axis=0)])
    y_train = np.concatenate([y_train, np.ones(len(pos) * times, dtype=int)])
""",
            ),
        ),
        PASS(
            "class weights instead of copies",
            (SPLIT_BLOCK, NO_OVERSAMPLING),
            (MODEL, MODEL.replace(")", ', class_weight="balanced")')),
        ),
        PASS(
            "balanced sample weights passed to fit",
            (SPLIT_BLOCK, NO_OVERSAMPLING),
            (FIT_LINE, """    from sklearn.utils.class_weight import compute_sample_weight
    model.fit(X_train, y_train, sample_weight=compute_sample_weight("balanced", y_train))
"""),
        ),
        PASS(
            "manual permutation split, test rows first, then the shipped helper on the training rows",
            (SPLIT_BLOCK, """    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(TEST_SIZE * len(X)))
    test_rows, train_rows = order[:n_test], order[n_test:]
    X_test, y_test = X[test_rows], y[test_rows]
    X_train, y_train = oversample(X[train_rows], y[train_rows], seed)
"""),
        ),
        PASS(
            "first fold of a StratifiedKFold via enumerate, np.setdiff1d and np.take",
            (SPLIT_BLOCK, """    from sklearn.model_selection import StratifiedKFold
    for fold, (_, held) in enumerate(StratifiedKFold(n_splits=3, shuffle=True, random_state=seed).split(X, y)):
        break
    kept = np.setdiff1d(np.arange(len(X)), held)
    X_test, y_test = np.take(X, held, axis=0), np.take(y, held)
    X_train, y_train = oversample(np.take(X, kept, axis=0), np.take(y, kept), seed)
"""),
        ),
        PASS(
            "pandas: split a frame, sample extra fraud rows with replacement from the training frame",
            (SPLIT_BLOCK, """    import pandas as pd
    frame = pd.DataFrame(X)
    frame["fraud"] = y
    train_df, test_df = train_test_split(frame, test_size=TEST_SIZE, random_state=seed, stratify=frame["fraud"])
    fraud = train_df[train_df["fraud"] == 1]
    extra = fraud.sample(n=int((train_df["fraud"] == 0).sum()) - len(fraud), replace=True, random_state=seed)
    train_df = pd.concat([train_df, extra])
    X_train, y_train = train_df.drop(columns="fraud").to_numpy(), train_df["fraud"].to_numpy()
    X_test, y_test = test_df.drop(columns="fraud").to_numpy(), test_df["fraud"].to_numpy()
"""),
        ),
        PASS(
            "a model class whose fit rebalances, split options from a dict",
            ("def train_and_predict(X, y, seed):\n", """class BalancedForest:
    def __init__(self, seed):
        self.seed = seed

    def fit(self, X, y):
        X_more, y_more = oversample(X, y, self.seed)
        self.forest_ = RandomForestClassifier(n_estimators=80, random_state=self.seed).fit(X_more, y_more)
        return self

    def predict(self, X):
        return self.forest_.predict(X)


def train_and_predict(X, y, seed):
"""),
            (BODY, """    options = {"test_size": TEST_SIZE, "random_state": seed, "stratify": y}
    X_train, X_test, y_train, y_test = train_test_split(X, y, **options)
    model = BalancedForest(seed).fit(X_train, y_train)
    return X_test, y_test, model.predict(X_test)
"""),
        ),
        PASS(
            "closure that grows the training minority, boolean masks for the split",
            (SPLIT_BLOCK, """    def grow(features, labels, factor):
        keep = labels == 1
        return (np.vstack([features] + [features[keep]] * factor),
                np.concatenate([labels] + [labels[keep]] * factor))

    held_out = np.zeros(len(X), dtype=bool)
    held_out[np.random.default_rng(seed).choice(len(X), int(TEST_SIZE * len(X)), replace=False)] = True
    X_test, y_test = X[held_out], y[held_out]
    X_train, y_train = grow(X[~held_out], y[~held_out], 8)
"""),
        ),
    ]
    FAIL = [
        FAIL(
            "oversampling deleted",
            (SPLIT_BLOCK, NO_OVERSAMPLING),
            fails=("minority_class_rebalanced",),
        ),
        FAIL(
            "split seed and size changed",
            (SPLIT_BLOCK, SPLIT_BLOCK.replace("test_size=TEST_SIZE, random_state=seed", "test_size=0.15, random_state=seed + 3")),
            fails=("oversample_training_rows_only", "no_test_row_copied_into_training", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "duplicated with np.repeat before the split",
            (
                "    X_bal, y_bal = oversample(X, y, seed)\n",
                "    X_bal = np.vstack([X, np.repeat(X[y == 1], 10, axis=0)])\n"
                "    y_bal = np.concatenate([y, np.ones(10 * int((y == 1).sum()), dtype=int)])\n",
            ),
            fails=("oversample_training_rows_only", "no_test_row_copied_into_training", "test_class_mix_is_real"),
        ),
        FAIL(
            "test rows that also appear in training removed from the test set",
            (
                FIT_LINE,
                "    seen = {row.tobytes() for row in X_train}\n"
                "    fresh = np.array([row.tobytes() not in seen for row in X_test])\n"
                "    X_test, y_test = X_test[fresh], y_test[fresh]\n" + FIT_LINE,
            ),
            fails=("oversample_training_rows_only", "test_class_mix_is_real"),
        ),
        FAIL(
            "split first, but training and test sets both oversampled",
            (SPLIT_BLOCK, FIXED_BLOCK + "    X_test, y_test = oversample(X_test, y_test, seed)\n"),
            fails=("oversample_training_rows_only", "test_class_mix_is_real"),
        ),
        FAIL(
            "fixed, but fit wrapped in try/except",
            (SPLIT_BLOCK, FIXED_BLOCK),
            (FIT_LINE, "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n"),
            fails=("try_except",),
        ),
        FAIL(
            "inverted class_weight instead of oversampling",
            (SPLIT_BLOCK, NO_OVERSAMPLING),
            (MODEL, MODEL.replace(")", ", class_weight={0: 10, 1: 1})")),
            fails=("minority_class_rebalanced",),
        ),
        FAIL(
            "sample weights that favour the majority",
            (SPLIT_BLOCK, NO_OVERSAMPLING),
            (FIT_LINE, "    model.fit(X_train, y_train, sample_weight=np.where(y_train == 1, 0.2, 1.0))\n"),
            fails=("minority_class_rebalanced",),
        ),
        FAIL(
            "fixed, but the fraud rows of the test split doubled",
            (SPLIT_BLOCK, FIXED_BLOCK + "    X_test = np.vstack([X_test, X_test[y_test == 1]])\n"
             "    y_test = np.concatenate([y_test, y_test[y_test == 1]])\n"),
            fails=("test_class_mix_is_real",),
        ),
        FAIL(
            "fixed, but half of the genuine test rows dropped",
            (SPLIT_BLOCK, FIXED_BLOCK + "    keep = (y_test == 1) | (np.arange(len(y_test)) % 2 == 0)\n"
             "    X_test, y_test = X_test[keep], y_test[keep]\n"),
            fails=("test_class_mix_is_real",),
        ),
        FAIL(
            "oversampled before the split through a lambda",
            ("    X_bal, y_bal = oversample(X, y, seed)\n",
             "    grow = lambda A, b: oversample(A, b, seed)\n    X_bal, y_bal = grow(X, y)\n"),
            fails=("no_test_row_copied_into_training", "test_rows_do_not_influence_training", "test_class_mix_is_real"),
        ),
        FAIL(
            "pandas sample with replacement before the split",
            (SPLIT_BLOCK, """    import pandas as pd
    frame = pd.DataFrame(X)
    frame["fraud"] = y
    fraud = frame[frame["fraud"] == 1]
    frame = pd.concat([frame, fraud.sample(n=3 * len(fraud), replace=True, random_state=seed)])
    train_df, test_df = train_test_split(frame, test_size=TEST_SIZE, random_state=seed, stratify=frame["fraud"])
    X_train, y_train = train_df.drop(columns="fraud").to_numpy(), train_df["fraud"].to_numpy()
    X_test, y_test = test_df.drop(columns="fraud").to_numpy(), test_df["fraud"].to_numpy()
"""),
            fails=("oversample_training_rows_only", "no_test_row_copied_into_training", "test_class_mix_is_real"),
        ),
        FAIL(
            "split first, but jittered near-copies of every fraud row (test rows included) added to training",
            (SPLIT_BLOCK, """    noise = 1 + 1e-3 * np.random.default_rng(seed).standard_normal(X[y == 1].shape)
    near_copies = X[y == 1] * noise
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    X_train = np.vstack([X_train] + [near_copies] * 5)
    y_train = np.concatenate([y_train, np.ones(5 * len(near_copies), dtype=int)])
"""),
            fails=("test_rows_do_not_influence_training",),
        ),
    ]


GRADER = OversampleBeforeSplit()
