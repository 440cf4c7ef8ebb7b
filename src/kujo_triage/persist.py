"""Save and load models: ``model.joblib`` plus ``meta.json`` (provenance, label sets, metrics).

joblib files are pickles, and loading a pickle runs code from the file: load only models you
trust. To catch a damaged or swapped file, ``meta.json`` records the SHA-256 of
``model.joblib``, and :func:`load_model` refuses a file whose hash differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import warnings
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import ModelFileError
from .schema import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, TIERS

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"kujo-triage": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "scikit-learn", "fugashi", "unidic-lite", "joblib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def save_model(model: Any, path: str | os.PathLike[str], *, data_sha256: str | None = None,
               metrics: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model`` to the directory ``path`` (created if needed) and return it.

    ``data_sha256`` (the training data's hash; by default the one ``train`` recorded) and
    ``metrics`` (a Report from ``evaluate``, or ``{"dev": {...}, "test": {...}}``) go into ``meta.json`` beside the
    versions, the label sets, the parameters and the model file's own hash. The model file is
    written under a temporary name first, so an interrupted save never leaves a file that
    looks complete.
    """
    import joblib

    model._check_fitted()
    if hasattr(metrics, "metrics") and hasattr(metrics, "n"):  # a Report from evaluate()
        metrics = {"evaluation": {"n": metrics.n, **metrics.metrics}}
    elif metrics and any(k in metrics for k in ("worst_case_recall", "tier_macro_f1")):
        metrics = {"evaluation": metrics}  # one flat dict of metrics: keep the "name → metrics" shape
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ModelFileError(f"{path}: exists and is not a directory; give a directory for the model")
    path.mkdir(parents=True, exist_ok=True)
    # Everything is written to temporary files first, so a failure (an unserialisable value, a
    # full disk) leaves an earlier model in this directory as it was.
    tmp_model, tmp_meta = path / (MODEL_FILE + ".tmp"), path / (META_FILE + ".tmp")
    try:
        # protocol 4 and a fixed compression level keep the file byte-identical across runs
        joblib.dump(model, tmp_model, compress=3, protocol=4)
        meta = {
            "format": 1,
            "versions": _versions(),
            "dictionary": model._tokenizer.dictionary(),
            "labels": {"tier": list(TIERS), "category": list(CATEGORIES), "emotion": list(EMOTIONS),
                       "intensity": list(INTENSITIES), "flags": list(FLAGS)},
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()},
            "learned": {"n_features": int(model.n_features_), "temperature": model.temperature_,
                        "worst_case_threshold": model.worst_threshold_, "flag_thresholds": model.flag_thresholds_,
                        "flag_method": model.flag_method_, "flag_oof_f1": model.flag_oof_f1_,
                        "worst_case_threshold_tuned": getattr(model, "worst_threshold_tuned_", None)},
            "data_sha256": data_sha256 or (getattr(model, "training_data_", None) or {}).get("sha256"),
            "training_data": getattr(model, "training_data_", None),
            "model_sha256": _sha256(tmp_model),
            "metrics": metrics or {},
            **(extra or {}),
        }
        with open(tmp_meta, "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False, indent=2, default=_plain)
            f.write("\n")
        os.replace(tmp_model, path / MODEL_FILE)
        os.replace(tmp_meta, path / META_FILE)
    finally:
        for tmp in (tmp_model, tmp_meta):
            tmp.unlink(missing_ok=True)
    return path


def _plain(value: Any) -> Any:
    """numpy scalars and arrays (e.g. a C from GridSearchCV's best_params_) as plain JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def read_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the parsed ``meta.json`` of a saved model directory."""
    meta_path = Path(path) / META_FILE
    if not meta_path.is_file():
        raise ModelFileError(f"{path}: no {META_FILE}; expected a directory written by save_model()")
    try:
        with open(meta_path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ModelFileError(f"{meta_path}: not valid JSON ({e}); re-save the model with save_model()") from e


def verify_model_files(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check a saved model directory without unpickling anything: meta.json readable, model
    file present, its SHA-256 as recorded. Returns the meta; raises ModelFileError otherwise."""
    path = Path(path)
    meta = read_meta(path)
    model_path = path / MODEL_FILE
    if not model_path.is_file():
        raise ModelFileError(f"{path}: no {MODEL_FILE}; expected a directory written by save_model()")
    digest = _sha256(model_path)
    if digest != meta.get("model_sha256"):
        raise ModelFileError(
            f"{model_path}: SHA-256 {digest[:12]}… does not match meta.json ({str(meta.get('model_sha256'))[:12]}…); "
            "the file was changed or damaged after saving. Re-save or re-download the model."
        )
    return meta


def load_model(path: str | os.PathLike[str]) -> Any:
    """Load a model saved by :func:`save_model`, checking the model file's SHA-256 first.

    joblib runs pickle: only load models you trust. A hash mismatch raises ModelFileError;
    a model saved by another kujo-triage or scikit-learn version loads with a warning.
    """
    import joblib

    path = Path(path)
    meta = verify_model_files(path)
    saved = meta.get("versions", {}).get("kujo-triage")
    if saved and saved != __version__:
        warnings.warn(f"{path}: saved by kujo-triage {saved}, loading with {__version__}; "
                      "re-train or re-save if results look wrong", UserWarning, stacklevel=2)
    model = joblib.load(path / MODEL_FILE)
    model.meta_ = meta
    return model
