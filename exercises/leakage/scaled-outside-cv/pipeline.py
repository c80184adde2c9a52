"""Wine quality: estimate how well a nearest-neighbour model tells good batches from bad ones.

Run me:  python exercises/leakage/scaled-outside-cv/pipeline.py
"""
import numpy as np
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

N_FOLDS = 5
N_NEIGHBORS = 7


def make_data(n_rows=300, seed=0):
    """Synthetic batches: acidity, sugar, sulphur dioxide, alcohol, density, pH (very different scales)."""
    rng = np.random.default_rng(seed)
    acidity = rng.normal(7.5, 1.2, n_rows)
    sugar = rng.gamma(2.0, 2.5, n_rows)
    sulphur = rng.normal(45, 18, n_rows)
    alcohol = rng.normal(10.5, 1.1, n_rows)
    density = rng.normal(0.996, 0.002, n_rows)
    ph = rng.normal(3.3, 0.15, n_rows)
    X = np.column_stack([acidity, sugar, sulphur, alcohol, density, ph])
    z = 1.3 * (alcohol - 10.5) - 0.8 * (acidity - 7.5) + 400 * (0.996 - density) + 2.0 * (ph - 3.3)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def cv_scores(X, y, seed):
    """Cross-validated accuracy of the quality model: one score per fold."""
    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    model = KNeighborsClassifier(n_neighbors=N_NEIGHBORS)
    folds = KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    return cross_val_score(model, X_scaled, y, cv=folds)


def leak_audit(X, y, seed):
    """Turn the rows held out in fold 1 into outliers and report how much the data that fold 1's
    model was trained on changed. In honest cross-validation it cannot change at all: fold 1's
    model never sees (anything computed from) its held-out rows."""
    trained_on = []
    original_fit = KNeighborsClassifier.fit

    def recording_fit(model, X_fit, y_fit):
        trained_on.append(np.array(X_fit, dtype=float))
        return original_fit(model, X_fit, y_fit)

    KNeighborsClassifier.fit = recording_fit
    cv_scores(X, y, seed)
    held_out = next(KFold(n_splits=N_FOLDS, shuffle=True, random_state=seed).split(X))[1]
    X_changed = X.copy()
    X_changed[held_out] = X_changed[held_out] * 25 + 7
    cv_scores(X_changed, y, seed)
    KNeighborsClassifier.fit = original_fit
    before, after = trained_on[0], trained_on[N_FOLDS]
    return float(np.max(np.abs(before - after)))


if __name__ == "__main__":
    X, y = make_data()
    scores = cv_scores(X, y, seed=0)
    print("fold accuracies:", " ".join(f"{s:.3f}" for s in scores))
    print(f"cross-validated accuracy: {scores.mean():.3f}")
    shift = leak_audit(X, y, seed=0)
    print(f"leak audit: editing fold 1's held-out rows changed fold 1's training data by up to {shift:.4f}")
    if shift > 1e-9:
        print("LEAK: the held-out rows of a fold influenced the model trained for that fold.")
