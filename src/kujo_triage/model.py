"""TriageModel: featurizer + one linear head per field, calibrated, with evidence spans.

Heads: tier (3 classes), category (3, trained on worst_case rows only), emotion (5),
intensity (3) and one binary head per flag. All heads are logistic regressions fitted with
scikit-learn; their weights are then kept as one dense matrix so scoring is a single gather-
and-sum in numpy (no scikit-learn or scipy import when scoring).

The worst_case decision uses a threshold on the calibrated worst_case probability, chosen on
out-of-fold predictions of the training data for a target recall (missing a worst case costs
far more than a false alarm). Evidence spans are the characters whose features contributed
most to the decision, mapped back to the original text.
"""

from __future__ import annotations

import inspect
from typing import Any, Iterable, Sequence

import numpy as np

from .errors import NotFittedError, check_text
from .features import Doc, Featurizer, Occurrences
from .normalize import MAX_CHARS, normalize
from .resources import read_json
from .schema import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, NEUTRAL, TIERS, WORST_CASE, Evidence, TriageResult
from .tokenize import Tokenizer

_HEADS = (("tier", TIERS), ("category", CATEGORIES), ("emotion", EMOTIONS), ("intensity", INTENSITIES))
_WORST = TIERS.index(WORST_CASE)
_FUNCTION_POS = ("助詞", "助動詞", "補助記号", "記号", "接尾辞")


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class TriageModel:
    """Classifier for tier, category, emotion, intensity and flags of Japanese complaints.

    Parameters (keyword-only, scikit-learn style; learned attributes end in ``_``)
    ----------
    C : float
        Inverse regularisation strength of every head.
    word_ngrams, char_ngrams : tuple of int
        Lemma and character n-gram lengths.
    min_df : int
        Minimum document frequency of an n-gram feature.
    max_word_features, max_char_features : int
        Vocabulary caps (bound the model size).
    cue_weight : float
        Scale of the scoped cue counts against the n-gram features.
    worst_case_recall : float
        Recall on out-of-fold training predictions that the worst_case threshold aims for.
        On the dev split, recall on new text came within two points of this target (on either
        side, over two versions of the corpus), so the default of 0.97 keeps it above 0.95.
    review_below : float
        ``needs_review`` is set when the tier confidence is below this value, or when the
        worst_case probability is within ``review_band`` of the threshold.
    review_band : float
    max_chars : int
        Characters read per text; the rest is ignored and the result marked ``truncated``.
    cv : int
        Folds for the out-of-fold predictions that tune thresholds and calibration.
    random_state : int
    """

    def __init__(self, *, C: float = 32.0, word_ngrams: tuple[int, ...] = (1, 2),
                 char_ngrams: tuple[int, ...] = (1, 3), min_df: int = 2,
                 max_word_features: int = 40000, max_char_features: int = 60000, cue_weight: float = 0.1,
                 worst_case_recall: float = 0.97, review_below: float = 0.6, review_band: float = 0.1,
                 max_chars: int = MAX_CHARS, cv: int = 5, random_state: int = 0):
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.cue_weight = cue_weight
        self.worst_case_recall = worst_case_recall
        self.review_below = review_below
        self.review_band = review_band
        self.max_chars = max_chars
        self.cv = cv
        self.random_state = random_state
        self._tokenizer = Tokenizer()

    # ---- scikit-learn estimator protocol (without importing scikit-learn) --------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> "TriageModel":
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for TriageModel; valid: {', '.join(valid)}")
            setattr(self, name, value)
        self.__dict__.pop("_directions", None)
        return self

    def __sklearn_tags__(self) -> Any:
        # Asked for only by scikit-learn tools (clone, GridSearchCV), so importing scikit-learn
        # here costs nothing extra; at module level it would add a second to every cold start.
        # Inputs are raw texts, targets a table of labels; no estimator type, so CV uses KFold.
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=True, multi_output=True, single_output=False),
                    input_tags=InputTags(one_d_array=True, two_d_array=False, string=True))

    def __repr__(self) -> str:
        defaults = type(self)().get_params() if type(self) is TriageModel else {}
        changed = {k: v for k, v in self.get_params().items() if defaults.get(k) != v}
        return "TriageModel(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"

    # ---- text → documents ----------------------------------------------------------------------
    def _docs(self, texts: Sequence[str]) -> list[Doc]:
        docs = []
        for text in texts:
            norm = normalize(text, max_chars=self.max_chars)
            docs.append(Doc(norm, self._tokenizer(norm.text)))
        return docs

    # ---- training --------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Any) -> "TriageModel":
        """Fit every head on ``texts`` and their ``labels``.

        ``labels`` is a mapping or DataFrame with columns tier, category, emotion, intensity and
        flags (``"a;b"`` strings or sequences), one entry per text, valid under LABELING.md.
        Returns ``self``.
        """
        from scipy import sparse

        if isinstance(texts, str):
            raise TypeError("fit expected a sequence of texts, got a single str")
        self.__dict__.pop("_directions", None)  # evidence directions of an earlier fit
        texts = [check_text(t, f"texts[{i}]") for i, t in enumerate(texts)]
        y = _label_arrays(labels, len(texts))
        docs = self._docs(texts)
        self.featurizer_ = Featurizer(cues=read_json("cues.json"), word_ngrams=self.word_ngrams,
                                      char_ngrams=self.char_ngrams, min_df=self.min_df,
                                      max_word_features=self.max_word_features,
                                      max_char_features=self.max_char_features, cue_weight=self.cue_weight)
        self.featurizer_.fit(docs)
        indptr, indices, values, _ = self.featurizer_.rows(docs)
        X = sparse.csr_matrix((values, indices, indptr), shape=(len(docs), len(self.featurizer_.feature_names_)))

        W, b, self.head_slices_ = self._fit_heads(X, y)
        self.coef_ = W.astype(np.float32)
        self.intercept_ = b.astype(np.float32)

        # thresholds and calibration from out-of-fold predictions, never from the fitted data
        oof = self._out_of_fold_scores(X, y)
        self._tune(oof, y, X)
        self.n_features_ = X.shape[1]
        return self

    def _fit_heads(self, X, y) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[int, int]]]:
        from sklearn.linear_model import LogisticRegression

        cols, bias, slices, k = [], [], {}, 0
        for name, classes in _HEADS:
            target = y[name]
            mask = target >= 0
            coef = np.zeros((len(classes), X.shape[1]))
            icpt = np.full(len(classes), -30.0)  # a class never seen in training stays impossible
            seen = np.unique(target[mask])
            if len(seen) == 1:  # one class only (e.g. a team with data leaks only): always that class
                icpt[seen[0]] = 0.0
            elif len(seen) > 1:
                clf = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced")
                clf.fit(X[mask], target[mask])
                coef[clf.classes_] = clf.coef_ if len(clf.classes_) > 2 else np.vstack([-clf.coef_, clf.coef_]) / 2
                icpt[clf.classes_] = (clf.intercept_ if len(clf.classes_) > 2
                                      else np.array([-clf.intercept_[0], clf.intercept_[0]]) / 2)
            cols.append(coef)
            bias.append(icpt)
            slices[name] = (k, k + len(classes))
            k += len(classes)
        for j, flag in enumerate(FLAGS):
            target = y["flags"][:, j]
            coef, icpt = np.zeros((1, X.shape[1])), np.array([-30.0])
            if 0 < target.sum() < len(target):
                clf = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced")
                clf.fit(X, target)
                coef, icpt = clf.coef_, clf.intercept_
            cols.append(coef)
            bias.append(icpt)
            slices["flag:" + flag] = (k, k + 1)
            k += 1
        return np.vstack(cols).T, np.concatenate(bias), slices

    def _out_of_fold_scores(self, X, y) -> np.ndarray:
        from sklearn.model_selection import StratifiedKFold

        oof = np.zeros((X.shape[0], self.coef_.shape[1]), dtype=np.float64)
        folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        for train_idx, test_idx in folds.split(np.zeros(len(y["tier"])), y["tier"] * 10 + y["category"] + 1):
            sub = {k: v[train_idx] for k, v in y.items()}
            W, b, _ = self._fit_heads(X[train_idx], sub)
            oof[test_idx] = X[test_idx] @ W + b
        return oof

    def _tune(self, scores: np.ndarray, y: dict[str, np.ndarray], X: Any) -> None:
        """Temperature for the tier head, the worst_case threshold, and per flag: the learned
        head (with its F1-best threshold) or the scoped lexicon, whichever scores better."""
        s, e = self.head_slices_["tier"]
        logits, truth = scores[:, s:e], y["tier"]
        temps = np.exp(np.linspace(np.log(0.2), np.log(5.0), 61))
        nll = [-np.log(_softmax(logits / t)[np.arange(len(truth)), truth] + 1e-12).mean() for t in temps]
        self.temperature_ = float(temps[int(np.argmin(nll))])
        p_worst = _softmax(logits / self.temperature_)[:, _WORST]
        worst = truth == _WORST
        # the highest threshold that still reaches the target recall on out-of-fold predictions
        ranked = np.sort(p_worst[worst])
        k = int(np.floor((1.0 - self.worst_case_recall) * len(ranked)))
        self.worst_threshold_ = float(ranked[k]) if len(ranked) else 0.5

        def f1(pred: np.ndarray, truth: np.ndarray) -> float:
            return float(2 * (pred & truth).sum() / max(pred.sum() + truth.sum(), 1))

        self.flag_thresholds_, self.flag_method_, self.flag_oof_f1_ = {}, {}, {}
        for j, flag in enumerate(FLAGS):
            s, _ = self.head_slices_["flag:" + flag]
            prob = 1.0 / (1.0 + np.exp(-scores[:, s]))
            truth_f = y["flags"][:, j].astype(bool)
            best, best_t = max((f1(prob >= t, truth_f), float(t)) for t in np.linspace(0.05, 0.95, 91))
            # the lexicon learns nothing, so its score on the training rows is a fair estimate
            lexicon = np.asarray(X[:, self.featurizer_.cue_vocab_[f"q:{flag}:plain"]].todense()).ravel() > 0
            lex = f1(lexicon, truth_f)
            self.flag_thresholds_[flag] = best_t
            self.flag_method_[flag] = "lexicon" if lex > best else "learned"
            self.flag_oof_f1_[flag] = {"learned": round(best, 4), "lexicon": round(lex, 4)}

    # ---- scoring -----------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("this TriageModel is not fitted yet; call fit(texts, labels) or load_model(path)")

    def decision_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, list[Doc], list[Occurrences]]:
        """Raw head scores (n × heads) for ``texts``, with their documents and occurrences."""
        self._check_fitted()
        docs = self._docs(texts)
        indptr, indices, values, occs = self.featurizer_.rows(docs)
        scores = np.repeat(self.intercept_[None, :], len(docs), axis=0)
        if len(indices):
            rows = np.repeat(np.arange(len(docs)), np.diff(indptr))
            np.add.at(scores, rows, self.coef_[indices] * values[:, None])
        return scores, docs, occs

    def predict_proba(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Calibrated probabilities per head: tier, category, emotion, intensity, flags."""
        scores, _, _ = self.decision_scores(list(texts))
        return self._probas(scores)

    def _probas(self, scores: np.ndarray) -> dict[str, np.ndarray]:
        out = {}
        for name, _ in _HEADS:
            s, e = self.head_slices_[name]
            temp = self.temperature_ if name == "tier" else 1.0
            out[name] = _softmax(scores[:, s:e] / temp)
        fs = [self.head_slices_["flag:" + f][0] for f in FLAGS]
        out["flags"] = 1.0 / (1.0 + np.exp(-scores[:, fs]))
        return out

    def triage_many(self, texts: Iterable[str], *, batch_size: int = 256, playbooks: Any = None) -> list[TriageResult]:
        """Triage many texts, batched; results in input order, each with its adapted playbook.

        ``playbooks``: a PlaybookSet or a folder of your own (see ``load_playbooks``); the
        shipped playbooks by default.
        """
        from dataclasses import replace

        from .playbook import resolve_playbooks

        if isinstance(texts, str):
            raise TypeError("triage_many expected an iterable of texts, got a single str; use triage(text)")
        self._check_fitted()
        texts = [check_text(t, f"texts[{i}]") for i, t in enumerate(texts)]
        results: list[TriageResult] = []
        for lo in range(0, len(texts), batch_size):
            chunk = texts[lo:lo + batch_size]
            scores, docs, occs = self.decision_scores(chunk)
            probas = self._probas(scores)
            for i, text in enumerate(chunk):
                results.append(self._result(text, docs[i], occs[i], {k: v[i] for k, v in probas.items()}))
        books = resolve_playbooks(playbooks)
        return [replace(r, playbook=books.for_result(r)) for r in results]

    def triage(self, text: str, *, playbooks: Any = None) -> TriageResult:
        """Triage one text (with its adapted playbook; see :meth:`triage_many`)."""
        check_text(text)
        return self.triage_many([text], playbooks=playbooks)[0]

    # ---- scikit-learn scoring and threshold tuning -------------------------------------------------
    def score(self, texts: Sequence[str], labels: Any) -> float:
        """Tier macro-F1 on ``texts`` and their ``labels`` (what GridSearchCV maximises by default).

        For the worst-case recall a team needs, pass ``scoring=`` to GridSearchCV or use
        :meth:`set_worst_case_recall` after choosing the other parameters.
        """
        from sklearn.metrics import f1_score

        truth = list(labels["tier"].tolist() if hasattr(labels["tier"], "tolist") else labels["tier"])
        pred = [r.tier for r in self.triage_many(list(texts))]
        return float(f1_score(truth, pred, average="macro", zero_division=0))  # classes present, as sklearn

    def set_worst_case_recall(self, recall: float, data: Any, *, text_column: str = "text") -> dict[str, float]:
        """Move the worst_case threshold to reach ``recall`` on labelled ``data``; report the cost.

        Use rows the model was not trained on and that you will not report as the final test
        (a dev split): the threshold is chosen on them, so recall on them is met by design.

        Returns
        -------
        dict
            ``threshold`` (new) and ``previous_threshold``; ``recall`` and ``precision`` of
            worst_case on ``data`` at the new threshold, and ``previous_recall`` /
            ``previous_precision`` at the old one.

        Examples
        --------
        >>> import copy
        >>> from kujo_triage import default_model, read_corpus
        >>> from kujo_triage.resources import corpus_path
        >>> dev = read_corpus(corpus_path()).query("split == 'dev'")
        >>> model = copy.deepcopy(default_model())
        >>> cost = model.set_worst_case_recall(0.99, dev)
        >>> cost["recall"] >= 0.99, cost["threshold"] <= cost["previous_threshold"]
        (True, True)
        """
        from .corpus import load_labelled
        from .errors import OptionError

        if not isinstance(recall, (int, float)) or not 0 < recall <= 1:
            raise OptionError(f"recall: expected a number in (0, 1], got {recall!r}")
        self._check_fitted()
        rows = load_labelled(data, text_column=text_column)
        truth = (rows["tier"] == WORST_CASE).to_numpy()
        if not truth.any():
            raise OptionError("set_worst_case_recall needs labelled rows with some worst_case rows; got none")
        needed = int(np.ceil(1.0 / (1.0 - recall))) if recall < 1 else 50
        if truth.sum() < needed:
            import warnings

            warnings.warn(f"only {int(truth.sum())} worst_case rows: too few to set a threshold for recall {recall} "
                          f"(about {needed} or more are needed); the new threshold follows a handful of rows and "
                          "may miss many worst cases on new text. Tune on a larger dev split.",
                          UserWarning, stacklevel=2)
        p = self.predict_proba(rows["text"].tolist())["tier"][:, _WORST]

        def at(threshold: float) -> tuple[float, float]:
            pred = p >= threshold
            return float((pred & truth).sum() / truth.sum()), float((pred & truth).sum() / max(pred.sum(), 1))

        old = self.worst_threshold_
        ranked = np.sort(p[truth])
        k = int(np.floor((1.0 - recall) * len(ranked) + 1e-9))
        self.worst_threshold_ = float(ranked[min(k, len(ranked) - 1)])
        # a learned attribute, not the constructor parameter: get_params/clone keep meaning "fit with this"
        self.worst_threshold_tuned_ = {"recall": float(recall), "rows": int(len(rows)), "worst_case_rows": int(truth.sum())}
        new_r, new_p = at(self.worst_threshold_)
        old_r, old_p = at(old)
        return {"threshold": round(self.worst_threshold_, 6), "recall": round(new_r, 4), "precision": round(new_p, 4),
                "previous_threshold": round(old, 6), "previous_recall": round(old_r, 4),
                "previous_precision": round(old_p, 4), "rows": int(len(rows)), "worst_case_rows": int(truth.sum())}

    def _result(self, text: str, doc: Doc, occ: Occurrences, p: dict[str, np.ndarray]) -> TriageResult:
        p_tier = p["tier"]
        if p_tier[_WORST] >= self.worst_threshold_:
            tier_i = _WORST
        else:
            tier_i = max((i for i in range(len(TIERS)) if i != _WORST), key=lambda i: p_tier[i])
        tier = TIERS[tier_i]
        confidence = float(p_tier[tier_i])
        category = CATEGORIES[int(np.argmax(p["category"]))] if tier == WORST_CASE else None
        emotion = EMOTIONS[int(np.argmax(p["emotion"]))]
        intensity = "low" if emotion == NEUTRAL else INTENSITIES[int(np.argmax(p["intensity"]))]
        flags = tuple(f for j, f in enumerate(FLAGS) if self._flag_on(f, p["flags"][j], occ))
        needs_review = bool(
            doc.norm.truncated
            or confidence < self.review_below
            or abs(float(p_tier[_WORST]) - self.worst_threshold_) < self.review_band
        )
        evidence = self._evidence(text, doc, occ, tier_i, category, flags)
        return TriageResult(tier, category, emotion, intensity, flags, confidence, needs_review,
                            evidence, None, doc.norm.truncated)

    def _flag_on(self, flag: str, prob: float, occ: Occurrences) -> bool:
        if self.flag_method_[flag] == "lexicon":
            return bool(np.isin(self.featurizer_.cue_vocab_[f"q:{flag}:plain"], occ.uniq))
        return bool(prob >= self.flag_thresholds_[flag])

    # ---- evidence ------------------------------------------------------------------------------
    def _direction(self, head: str, cls: int) -> np.ndarray:
        """Weights pushing towards class ``cls`` of ``head`` rather than its other classes."""
        cache = self.__dict__.setdefault("_directions", {})
        key = (head, cls)
        if key not in cache:
            s, e = self.head_slices_[head]
            W = self.coef_[:, s:e]
            cache[key] = W[:, 0] if e - s == 1 else W[:, cls] - (W.sum(axis=1) - W[:, cls]) / (e - s - 1)
        return cache[key]

    def _evidence(self, text: str, doc: Doc, occ: Occurrences, tier_i: int, category: str | None,
                  flags: tuple[str, ...]) -> tuple[Evidence, ...]:
        if not len(occ.ids):
            return ()
        direction = self._direction("tier", tier_i)
        label = TIERS[tier_i]
        if category is not None:
            direction = direction + self._direction("category", CATEGORIES.index(category))
            label = category
        spans = self._top_spans(doc, occ, direction, limit=3)
        out = [self._span(text, doc, s, e, label) for s, e in spans]
        for f in flags:
            if self.flag_method_[f] == "lexicon":
                hit = occ.ids == self.featurizer_.cue_vocab_[f"q:{f}:plain"]
                spans = list(zip(occ.starts[hit].tolist(), occ.ends[hit].tolist()))[:1]
            else:
                spans = self._top_spans(doc, occ, self._direction("flag:" + f, 0), limit=1)
            out.extend(self._span(text, doc, s, e, f) for s, e in spans)
        return tuple(sorted({e for e in out if e.text.strip()}))  # never a span of only whitespace

    @staticmethod
    def _top_spans(doc: Doc, occ: Occurrences, direction: np.ndarray, limit: int) -> list[tuple[int, int]]:
        n = len(doc.norm.text)
        widths = occ.ends - occ.starts
        keep = widths > 0
        contrib = occ.weights[keep] * direction[occ.ids[keep]]
        starts, ends, widths = occ.starts[keep], occ.ends[keep], widths[keep]
        diff = np.zeros(n + 1)
        np.add.at(diff, starts, contrib / widths)
        np.add.at(diff, ends, -contrib / widths)
        score = np.cumsum(diff)[:n]
        if not n or score.max() <= 0:
            return []
        hot = score > 0.35 * score.max()
        runs, i = [], 0
        while i < n:
            if hot[i]:
                j = i
                while j < n and hot[j]:
                    j += 1
                runs.append((float(score[i:j].sum()), i, j))
                i = j
            else:
                i += 1
        runs.sort(reverse=True)
        spans = []
        for _, s, e in runs:
            # widen to whole MeCab tokens so a span never cuts a word in half
            inside = [t for t in doc.tokens if t.end > s and t.start < e]
            if inside:
                s, e = min(s, inside[0].start), max(e, inside[-1].end)
            # a span of particles, auxiliaries and punctuation only (「で」「ますか」) explains nothing
            if inside and all(t.pos.startswith(_FUNCTION_POS) for t in inside):
                continue
            spans.append((s, e))
            if len(spans) == limit:
                break
        return spans

    @staticmethod
    def _span(text: str, doc: Doc, s: int, e: int, label: str) -> Evidence:
        start, end = doc.norm.span(s, e)
        return Evidence(start, end, text[start:end], label)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_directions", None)  # derived from coef_, rebuilt on demand
        return state


def _label_arrays(labels: Any, n: int) -> dict[str, np.ndarray]:
    """Label columns → integer arrays (-1 where a head has no target, e.g. category off worst_case)."""
    def column(name: str) -> list:
        col = labels[name]
        values = list(col.tolist() if hasattr(col, "tolist") else col)
        if len(values) != n:
            raise ValueError(f"labels[{name!r}] has {len(values)} entries for {n} texts")
        return values

    def blank(v: Any) -> bool:  # "", None, NaN and pd.NA (pd.read_csv gives NaN for empty cells)
        if isinstance(v, str):
            return not v.strip()
        if v is None or isinstance(v, (list, tuple)):
            return v is None
        import pandas as pd  # training only; scoring never comes here

        return bool(pd.isna(v))

    out: dict[str, np.ndarray] = {}
    for name, classes in _HEADS:
        index = {c: i for i, c in enumerate(classes)}
        vals = column(name)
        if name == "category":
            bad = sorted({str(v) for v in vals if not blank(v)} - set(classes))
            if bad:
                raise ValueError(f"labels['category'] has unknown value(s) {', '.join(bad)}; "
                                 f"expected {', '.join(classes)} or empty")
            out[name] = np.array([-1 if blank(v) else index[v] for v in vals])
        else:
            bad = sorted({str(v) for v in vals} - set(classes))
            if bad:
                raise ValueError(f"labels[{name!r}] has unknown value(s) {', '.join(bad)}; expected {', '.join(classes)}")
            out[name] = np.array([index[v] for v in vals])
    flags = np.zeros((n, len(FLAGS)), dtype=int)
    for i, v in enumerate(column("flags")):
        items = v.split(";") if isinstance(v, str) else [] if blank(v) else list(v)
        for f in (str(x).strip() for x in items):
            if f not in FLAGS and f:
                raise ValueError(f"labels['flags'][{i}] has unknown flag {f!r}; expected some of {', '.join(FLAGS)}")
            if f:
                flags[i, FLAGS.index(f)] = 1
    out["flags"] = flags
    return out
