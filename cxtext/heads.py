"""Linear prediction heads that share one feature matrix.

Every head is a logistic regression, so (a) probabilities come from one softmax/sigmoid and are reasonably
calibrated, and (b) each head exposes `class_weights()` — the rows of W whose dot product with a document's
features is the score being explained. Explanations multiply token attributions by these rows.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from cxtext.polarity_softmax import PolaritySoftmax
from cxtext.schema import POLARITY_LABELS

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

Tick = Callable[[], None]
_ESTIMATORS = ("estimator_", "estimators_")  # the fitted scikit-learn parts of a head
ONE_FOLD_FROM = 6000  # texts from which one calibration fold is enough (see `ClassifierHead.steps`)
# Relative decrease of the objective at which `PolaritySoftmax` stops (ftol). At 1e-5 the shared data's
# sentiment head stops 13 % sooner than at 1e-6, 0.02 % above the optimum; out-of-fold refits only give
# scores for one temperature and stop at 1e-4. Measured on all shared data: the same temperatures, every
# dataset's accuracy within ±0.4 points, training 246 → 216 s.
FIT_TOL = 1e-5
CALIBRATION_TOL = 1e-4
# A two-way row (a crowd's positive/negative) that a polarity model fitted without it gives less than
# NOISY_POLE of its own pole weighs NOISY_WEIGHT: SnappFood labels some complaints HAPPY. Measured with
# bench/quality.py --cxtext-only (all shared train rows): polarity SnappFood +0.4, digikala_recommend +0.6,
# parsinlu_food +0.6, none below −0.4; 3 liblinear fits, 6 s. Thresholds 0.05 / 0.2 and weight 0.5 were no
# better in sentiment-only fits; scoring rows in-sample instead flags few (the model fits its own noise).
NOISY_POLE = 0.1
NOISY_WEIGHT = 0.2


def _no_tick() -> None:
    """Progress callback that reports nothing."""


class _LazyEstimators:
    """A head whose fitted scikit-learn estimators are pickled as bytes inside its own pickle and unpickled
    on first use. Prediction reads the weights `FeedbackModel` stacked from them, never the estimators,
    so loading a model to classify does not import scikit-learn: two thirds of a cold `cxtext classify`.
    Training on top of a model, evaluation and `class_weights` thaw them as before."""

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        frozen = dict(state.pop("_frozen", {}))
        for name in _ESTIMATORS:
            if name in state:
                frozen[name] = pickle.dumps(state.pop(name), protocol=5)
        if frozen:
            state["_frozen"] = frozen
        return state

    def __getattr__(self, name: str) -> object:  # only called when the attribute is not set
        frozen = self.__dict__.get("_frozen", {})
        if name not in _ESTIMATORS or name not in frozen:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = pickle.loads(frozen.pop(name))
        setattr(self, name, value)
        return value


def _logistic(C: float, class_weight: str | None = None, random_state: int = 0) -> LogisticRegression:
    """SAGA on L2-normalised TF-IDF: as accurate as lbfgs here (±0.3 points) and 5–9× faster to fit.
    SAGA visits the rows in a random order: `random_state` makes the same rows give the same model."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=C, max_iter=2000, tol=1e-3, class_weight=class_weight, solver="saga", random_state=random_state
    )


def _uneven(weight: np.ndarray | None) -> bool:
    """Weights that differ between rows: SAGA's step shrinks with the largest weight, and with user rows
    weighing 10 corpus rows it stopped at 2,000 epochs unconverged; L-BFGS is unaffected."""
    return weight is not None and len(weight) > 0 and not np.all(weight == weight[0])


def _weighted_logistic(C: float) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=2000, tol=1e-4, solver="lbfgs")


def _binary_logistic(
    C: float, class_weight: str | None = "balanced", random_state: int = 0
) -> LogisticRegression:
    """liblinear's dual solver for the yes/no driver heads: with far more features than texts and weak
    regularisation (C = 8), SAGA ran up to 2,000 epochs per fit; dual coordinate descent converges in a
    fraction of that (shared data, 14,000 driver-labelled texts: micro-F1 0.829 vs 0.830, 22 s vs 93 s).
    Coordinate descent visits the rows in a random order too, hence `random_state`."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=C,
        class_weight=class_weight,
        solver="liblinear",
        dual=True,
        max_iter=1000,
        random_state=random_state,
    )


class ClassifierHead(_LazyEstimators):
    """One label per text (sentiment, NPS category, churn as no/yes), with temperature-scaled probabilities.

    Strong regularisation (chosen for robustness out of domain) makes a logistic model under-confident;
    one temperature, fitted on out-of-fold scores by likelihood, rescales its scores so a 0.8 means about
    80 % right. Dividing scores by a constant changes no argmax and keeps explanations exact.
    """

    def __init__(
        self,
        C: float = 4.0,
        class_weight: str | None = None,
        calibrate: bool = True,
        random_state: int = 0,
        poles: tuple[str, str] = POLARITY_LABELS,
        noisy_poles: bool = False,
    ) -> None:
        """`noisy_poles`: down-weight the two-way rows that the other rows contradict (`NOISY_POLE`)."""
        self.C = C
        self.noisy_poles = noisy_poles
        self.poles = poles
        self.class_weight = class_weight
        self.calibrate = calibrate
        self.random_state = random_state

    def fit(
        self,
        X: sp.csr_matrix,
        y: Sequence[str],
        polarity_only: Sequence[bool] | None = None,
        tick: Tick | None = None,
        sample_weight: Sequence[float] | None = None,
    ) -> ClassifierHead:
        """`polarity_only[i]` marks a two-way label (see `PolaritySoftmax`); without any, plain logistic.
        `tick` is called after the polarity check and each fit (`steps`), for progress bars. `sample_weight`
        weighs each text's loss (training on top of the default corpus weighs the user's rows up)."""
        tick = tick or _no_tick
        labels = np.asarray(y)
        two_way = np.zeros(len(labels), bool) if polarity_only is None else np.asarray(polarity_only, bool)
        weight = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        mixed = bool(two_way.any()) and not bool(two_way.all())  # two-way and full labels
        self.n_noisy_ = 0  # two-way rows down-weighted as contradicted
        if self.noisy_poles and mixed:
            noisy = two_way & (self._own_pole(X, labels) < NOISY_POLE)
            weight = np.where(noisy, weight * NOISY_WEIGHT, weight)
            self.n_noisy_ = int(noisy.sum())
            tick()
        self.estimator_ = self._fit_one(X, labels, two_way, weight)
        tick()
        self.classes_: list[str] = [str(c) for c in self.estimator_.classes_]
        self.n_train_ = len(y)
        self.temperature_ = 1.0
        folds = min(3, int(np.unique(labels, return_counts=True)[1].min()))
        if self.calibrate and folds >= 2:
            from sklearn.model_selection import StratifiedKFold

            scores, truth = [], []
            splits = StratifiedKFold(folds, shuffle=True, random_state=self.random_state).split(X, labels)
            for train, test in list(splits)[: self._calibration_fits(len(labels), folds)]:
                fold = self._fit_one(X[train], labels[train], two_way[train], weight[train], self.estimator_)
                # with two-way labels mixed in, the temperature is fitted on the full labels only
                kept = test[~two_way[test]] if mixed else test
                scores.append(_as_class_scores(fold.decision_function(X[kept])))
                truth.append(labels[kept])
                tick()
            self.temperature_ = fit_temperature(
                np.vstack(scores), np.searchsorted(self.estimator_.classes_, np.concatenate(truth))
            )
        return self

    def _own_pole(self, X: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
        """Out-of-fold P(own pole) of every row labelled with a pole (1 for the others), from binary
        logistic models on those rows (3 folds): cheap next to the head itself, and blind to the row scored."""
        from sklearn.model_selection import StratifiedKFold

        rows = np.flatnonzero(np.isin(labels, self.poles))
        positive = labels[rows] == self.poles[1]
        own = np.ones(len(labels))
        if min(np.count_nonzero(positive), np.count_nonzero(~positive)) < 3:
            return own  # too few of a pole to hold any out: every row is taken at its word
        for train, test in StratifiedKFold(3, shuffle=True, random_state=self.random_state).split(
            rows, positive
        ):
            model = _binary_logistic(self.C, None, self.random_state).fit(X[rows[train]], positive[train])
            p = model.predict_proba(X[rows[test]])[:, 1]
            own[rows[test]] = np.where(positive[test], p, 1.0 - p)
        return own

    def steps(self, n: int, mixed: bool = False) -> int:
        """Fits `fit` makes on n texts (for progress bars): the polarity check when it makes one (`mixed`:
        two-way and full labels), the model and its calibration folds."""
        check = self.noisy_poles and mixed
        return check + 1 + (self._calibration_fits(n, 3) if self.calibrate else 0)

    @staticmethod
    def _calibration_fits(n: int, folds: int) -> int:
        """Out-of-fold fits the temperature is fitted on: every fold on small data, one fold (a third of the
        texts held out) from `ONE_FOLD_FROM` texts on: one scalar needs thousands of scores, not all of them,
        and on the shared data the two other folds were 40 % of the training time."""
        return 1 if n >= ONE_FOLD_FROM else folds

    def _fit_one(
        self,
        X: sp.csr_matrix,
        labels: np.ndarray,
        two_way: np.ndarray,
        weight: np.ndarray,
        init: object | None = None,
    ) -> LogisticRegression | PolaritySoftmax:
        """Plain logistic regression, or `PolaritySoftmax` when two-way and full labels are mixed; an
        out-of-fold refit of the latter starts from the full fit (`init`), which cuts its iterations."""
        multiclass = len(np.unique(labels)) > 2
        if (two_way.any() and not two_way.all()) or (multiclass and _uneven(weight)):
            start = init if isinstance(init, PolaritySoftmax) else None
            tol = FIT_TOL if start is None else CALIBRATION_TOL
            return PolaritySoftmax(self.C, self.poles, tol=tol).fit(
                X, labels, two_way, init=start, sample_weight=weight
            )
        if len(np.unique(labels)) == 2:  # yes/no heads (churn): dual liblinear converges where SAGA stalls
            estimator = _binary_logistic(self.C, self.class_weight, self.random_state)
        else:
            estimator = _logistic(self.C, self.class_weight, self.random_state)
        return estimator.fit(X, labels, sample_weight=weight)

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        return _softmax(_as_class_scores(self.estimator_.decision_function(X)) / self.temperature_)

    def class_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(weights, intercepts) per class whose softmax is `predict_proba` (see `softmax_rows`)."""
        weights, intercepts = softmax_rows(self.estimator_.coef_, self.estimator_.intercept_)
        return weights / self.temperature_, intercepts / self.temperature_


def _as_class_scores(scores: np.ndarray) -> np.ndarray:
    """A binary model's one score s as the two class scores (−s/2, s/2), as `softmax_rows` writes it."""
    return np.column_stack([-scores / 2, scores / 2]) if scores.ndim == 1 else scores


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature (0.1–10, log grid) minimising the negative log-likelihood of `truth`."""
    z = _as_class_scores(scores)
    best, best_nll = 1.0, np.inf
    for t in np.geomspace(0.1, 10.0, 81):
        p = _softmax(z / t)[np.arange(len(truth)), truth]
        nll = -np.mean(np.log(np.clip(p, 1e-12, None)))
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


class MultiLabelHead(_LazyEstimators):
    """Independent yes/no per label (drivers), each with a decision threshold tuned for F1 out of fold.

    Tuning on out-of-fold probabilities uses all labelled data for both fitting and thresholds, which
    matters for rare drivers (a few dozen examples of `access` in Persian).
    """

    def __init__(self, C: float = 8.0, folds: int = 3, random_state: int = 0) -> None:
        self.C = C
        self.folds = folds
        self.random_state = random_state

    def fit(
        self,
        X: sp.csr_matrix,
        Y: np.ndarray,
        labels: Sequence[str],
        tick: Tick | None = None,
        sample_weight: Sequence[float] | None = None,
    ) -> MultiLabelHead:
        """`tick` is called after each label's folds and final fit, for progress bars."""
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        tick = tick or _no_tick
        weight = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.labels_ = list(labels)
        self.estimators_: dict[str, LogisticRegression] = {}
        self.thresholds_: dict[str, float] = {}
        self.support_: dict[str, int] = {}
        for k, label in enumerate(self.labels_):
            y = Y[:, k].astype(bool)
            positives = int(y.sum())
            self.support_[label] = positives
            if positives < 2 or positives == len(y):
                tick()
                continue  # nothing to learn: the label stays untrained and is reported as such
            folds = min(self.folds, positives, len(y) - positives)
            estimator = _binary_logistic(self.C, random_state=self.random_state)
            if folds >= 2:
                cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
                oof = cross_val_predict(
                    estimator, X, y, cv=cv, method="predict_proba", params={"sample_weight": weight}
                )[:, 1]
                self.thresholds_[label] = best_f1_threshold(y, oof)
            else:
                self.thresholds_[label] = 0.5
            self.estimators_[label] = estimator.fit(X, y, sample_weight=weight)
            tick()
        return self

    @property
    def trained_labels(self) -> list[str]:
        # a threshold is set exactly for the labels with an estimator: reading it keeps those frozen
        return [label for label in self.labels_ if label in self.thresholds_]

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        """(n_docs × n_trained_labels) probability that each label is mentioned."""
        if not self.estimators_:
            return np.zeros((X.shape[0], 0))
        return np.column_stack([self.estimators_[k].predict_proba(X)[:, 1] for k in self.trained_labels])

    def label_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(weights, intercepts), one row per trained label, whose sigmoid is `predict_proba`."""
        weights = np.vstack([self.estimators_[k].coef_[0] for k in self.trained_labels])
        return weights, np.array([self.estimators_[k].intercept_[0] for k in self.trained_labels])

    def thresholds(self) -> np.ndarray:
        return np.array([self.thresholds_[k] for k in self.trained_labels])


def best_f1_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The probability cut-off that maximises F1 on (y, proba); ties go to the higher cut-off."""
    order = np.argsort(-proba, kind="stable")
    sorted_y = y[order].astype(np.float64)
    tp = np.cumsum(sorted_y)
    fp = np.cumsum(1.0 - sorted_y)
    f1 = 2 * tp / (tp + fp + sorted_y.sum())
    best = int(np.argmax(f1))
    cut = proba[order][best]
    below = proba[order][best + 1] if best + 1 < len(order) else 0.0
    return float(np.clip((cut + below) / 2, 0.05, 0.95))


class DriverSentimentHead(_LazyEstimators):
    """Polarity toward each driver, from features shared by all drivers plus a copy private to each.

    The shared block learns general polarity words; the per-driver block learns that "cold" is bad for
    quality and "rude" for staff (Daumé's feature augmentation, with drivers as domains).
    """

    def __init__(self, C: float = 4.0, random_state: int = 0) -> None:
        self.C = C
        self.random_state = random_state

    def _augment(self, X: sp.csr_matrix, driver_index: np.ndarray) -> sp.csr_matrix:
        n, f = X.shape
        blocks = len(self.drivers_)
        coo = X.tocoo()
        shifted = sp.csr_matrix(
            (coo.data, (coo.row, coo.col + f * (1 + driver_index[coo.row]))), shape=(n, f * (1 + blocks))
        )
        return sp.hstack([X, sp.csr_matrix((n, f * blocks))]).tocsr() + shifted

    def fit(
        self,
        X: sp.csr_matrix,
        rows: np.ndarray,
        drivers: Sequence[str],
        polarity: Sequence[str],
        sample_weight: Sequence[float] | None = None,
    ) -> DriverSentimentHead:
        """`rows[i]` is the document of example i, `drivers[i]` its driver, `polarity[i]` the gold label,
        `sample_weight[i]` its weight (default 1)."""
        self.drivers_ = sorted(set(drivers))
        self.n_features_ = X.shape[1]
        index = {d: i for i, d in enumerate(self.drivers_)}
        driver_index = np.array([index[d] for d in drivers], dtype=np.int64)
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if _uneven(weight):
            estimator = _weighted_logistic(self.C)
        else:
            estimator = _logistic(self.C, random_state=self.random_state)
        self.estimator_ = estimator.fit(
            self._augment(X[rows], driver_index), np.asarray(polarity), sample_weight=weight
        )
        self.classes_: list[str] = [str(c) for c in self.estimator_.classes_]
        self.n_train_ = len(polarity)
        return self

    def predict_proba(self, X: sp.csr_matrix, driver: str) -> np.ndarray:
        """(n_docs × n_classes) polarity toward `driver`, which must be one of `drivers_`.

        Scores the augmented model directly from the effective weights, without building augmented rows.
        """
        scores = np.asarray(X @ self._effective_coef(driver).T) + self.estimator_.intercept_
        if scores.shape[1] == 1:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def _effective_coef(self, driver: str) -> np.ndarray:
        f = self.n_features_
        k = 1 + self.drivers_.index(driver)
        coef = self.estimator_.coef_
        return coef[:, :f] + coef[:, f * k : f * (k + 1)]

    def class_scores(self, driver: str) -> tuple[np.ndarray, np.ndarray]:
        """(weights, intercepts) per class whose softmax is `predict_proba(X, driver)`."""
        return softmax_rows(self._effective_coef(driver), self.estimator_.intercept_)


def softmax_rows(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rewrite a logistic model as one row per class whose softmax gives its probabilities.

    Rows are centred, so each is evidence for its class *against the others*; shifting every class score
    by the same amount leaves a softmax unchanged. A binary model's single row w becomes (−w/2, +w/2),
    whose two-way softmax is exactly sigmoid(w·x + b).
    """
    if coef.shape[0] == 1:
        return np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
    return coef - coef.mean(axis=0, keepdims=True), intercept - intercept.mean()
