"""Plain-language titles for check and suppression names, for pages people read.

Verdicts carry machine names (`fit_on_training_rows`); feedback and summaries show a
short sentence instead. A check is titled by what it requires ("Preprocessing learns from
the training rows only"), a suppression by the construct found ("a warnings filter"), so
"<title> hides the symptom" reads as a sentence. A name missing here still gets a readable
title from its words; tests/test_reports.py keeps every name the graders can report listed.
"""
from __future__ import annotations

CHECKS: dict[str, str] = {
    # shared by every exercise
    "runs_on_hidden_data": "Runs on the hidden data",
    "training_works": "Training and prediction still work",
    # leakage
    "fit_on_training_rows": "Preprocessing learns from the training rows only",
    "scaler_fit_on_training_rows": "The scaler learns from the training rows only",
    "selector_fit_on_training_rows": "Feature selection uses the training rows only",
    "no_label_derived_feature": "No feature is computed from the label",
    "column_unused": "The forbidden column does not reach the model",
    "refund_column_unused": "The refund column does not reach the model",
    "refund_column_ignored": "Predictions do not depend on the refund column",
    "oversample_training_rows_only": "Oversampling copies training rows only",
    "split_keeps_time_order": "The split keeps time order",
    "test_rows_do_not_influence_training": "Test rows do not influence training",
    "test_features_do_not_influence_training": "Test features do not influence training",
    "test_labels_do_not_influence_training": "Test labels do not influence training",
    "held_out_rows_do_not_influence_training": "Held-out rows do not influence their fold's model",
    "held_out_rows_transformed_independently": "Held-out rows are prepared with training statistics",
    "no_test_row_copied_into_training": "No test row is copied into training",
    "trains_only_on_earlier_days": "Trains only on days before the test period",
    "test_period_size": "The test period has the specified size",
    "test_class_mix_is_real": "The test rows keep the real class mix",
    "minority_class_rebalanced": "The rare class is still rebalanced in training",
    "score_matches_honest_estimate": "The score matches an honest estimate",
    "split_unchanged": "The train/test split is as specified",
    "folds_unchanged": "The folds are as specified",
    "features_scaled": "The features are still standardized",
    "features_selected": "The model still uses the selected features",
    "missing_values_filled_from_data": "Missing values are filled from the training data",
    "model_still_predicts": "The model still ranks customers by risk",
    "predictions_useful": "Predictions are as good as an honest pipeline's",
    "same_predictions_each_run": "Same predictions on every run",
    "returns_probabilities": "Returns one probability per test row",
    "returns_predictions": "Returns one prediction per test day",
    "returns_test_rows": "Returns the held-out rows with one prediction each",
    "returns_fold_scores": "Returns one accuracy per fold",
    # numeric stability
    "exp_argument_bounded": "Every exp gets a bounded argument",
    "log_argument_positive": "Every log gets an argument above zero",
    "sigmoid_no_overflow": "The sigmoid never overflows",
    "sigmoid_matches_exact": "The sigmoid matches the exact values",
    "softmax_no_warnings": "The softmax never overflows",
    "softmax_matches_exact": "The softmax matches the exact values",
    "loss_no_warnings": "The loss never divides by zero or takes log(0)",
    "loss_matches_exact": "The loss matches the exact cross-entropy",
    "confident_predictions_scored": "Confident predictions get a sensible loss",
    # gradients and training
    "gradient_points_uphill": "The gradient is not negated",
    "update_against_gradient": "Updates move against the gradient",
    "bias_updated_with_own_gradient": "The bias is updated with its own gradient",
    "gradient_matches_loss": "The gradient matches the loss",
    "gradients_match_reference": "The gradients are exact",
    "bias_matches_intercept": "The bias is learned correctly",
    "loss_decreases": "The loss goes down during training",
    "reaches_optimum": "Training reaches the optimum",
    "training_reduces_loss": "Training reduces the loss",
    "fit_matches_reference": "Training matches plain gradient descent",
    "train_matches_reference": "Training matches plain gradient descent",
    # shapes
    "weight_layout": "The weight matrix has the documented layout",
    "reduction_axis": "The softmax sums over each row's classes",
    "init_shapes": "Parameters are created in the documented shapes",
    "weights_keep_shape": "The weights keep their shape",
    "parameters_keep_shape": "The parameters keep their shapes",
    "forward_matches_reference": "The forward pass matches the reference",
    "softmax_matches_reference": "The softmax normalises each row",
    "loss_matches_reference": "The loss is the mean squared error",
    "no_pairwise_matrix": "No n-by-n array is built",
    "predictions_per_row": "One prediction per row",
}

SUPPRESSIONS: dict[str, str] = {
    "try_except": "A try/except",
    "contextlib_suppress": "contextlib.suppress",
    "warnings_filter": "A warnings filter",
    "np_seterr": "np.seterr",
    "np_errstate": "An np.errstate block",
    "nan_to_num": "np.nan_to_num",
    "nan_masking": "Dropping nan or inf terms",
    "clip_output": "Clipping the result of exp or log",
    "negative_learning_rate": "A negative learning rate",
    "stop_when_loss_rises": "Stopping when the loss rises",
    "clip_parameters": "Clipping the trained parameters",
    "closed_form_replacement": "A library solver in place of gradient descent",
    "hardcoded_parameters": "Parameters typed into the code",
    "score_tampering": "Changing the reported score",
    "np_resize": "np.resize",
    "shape_slicing": "Cutting arrays to make shapes fit",
    "hardcoded_shape": "A hard-coded reshape size",
}


def _words(name: str) -> str:
    text = " ".join(str(name).replace("_", " ").replace("-", " ").split())
    return text[:1].upper() + text[1:] if text else "Unnamed check"


def check_title(name: str) -> str:
    """What the check requires, in words."""
    return CHECKS.get(name) or SUPPRESSIONS.get(name) or _words(name)


def suppression_title(name: str) -> str:
    """The construct that hides a symptom, as a noun phrase."""
    return SUPPRESSIONS.get(name) or CHECKS.get(name) or _words(name)


__all__ = ["CHECKS", "SUPPRESSIONS", "check_title", "suppression_title"]
