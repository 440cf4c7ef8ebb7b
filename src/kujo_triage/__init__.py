"""kujo-triage: triage Japanese customer complaints (クレーム).

>>> from kujo_triage import triage
>>> triage("充電中にスマホが発火して、子どもが手をやけどしました").tier
'worst_case'

The public surface is declared here once. Heavy modules (the model, pandas for corpora) are
imported on first use, so ``import kujo_triage`` stays fast.
"""

from importlib import import_module
from typing import Any

from ._version import __version__
from .api import default_model, triage, triage_many
from .errors import (
    CorpusError, EmptyTextError, InputFileError, KujoTriageError, ModelFileError, NotFittedError, OptionError, PlaybookError,
    Problem, TrainingDataError, UndecodableTextError,
)
from .schema import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, TIERS, Draft, Evidence, Playbook, PlaybookStep, TriageResult

_LAZY = {
    "TriageModel": ".model",
    "load_model": ".persist",
    "save_model": ".persist",
    "load_playbooks": ".playbook",
    "PlaybookSet": ".playbook",
    "first_reply": ".draft",
    "render": ".render",
    "score_csv": ".batch",
    "train": ".training",
    "evaluate": ".evaluation",
    "Report": ".evaluation",
    "select_for_labelling": ".active",
    "BatchSummary": ".batch",
    "triage_pandas": ".frame",
    "render_playbook": ".render",
    "read_corpus": ".corpus",
    "assign_split": ".corpus",
    "write_corpus": ".corpus",
}

__all__ = [
    "CATEGORIES",
    "EMOTIONS",
    "FLAGS",
    "INTENSITIES",
    "TIERS",
    "BatchSummary",
    "CorpusError",
    "Draft",
    "EmptyTextError",
    "InputFileError",
    "Evidence",
    "KujoTriageError",
    "ModelFileError",
    "NotFittedError",
    "OptionError",
    "Playbook",
    "PlaybookError",
    "PlaybookSet",
    "PlaybookStep",
    "Problem",
    "Report",
    "TriageModel",
    "TrainingDataError",
    "TriageResult",
    "UndecodableTextError",
    "__version__",
    "assign_split",
    "default_model",
    "evaluate",
    "first_reply",
    "load_model",
    "load_playbooks",
    "read_corpus",
    "render",
    "render_playbook",
    "save_model",
    "score_csv",
    "select_for_labelling",
    "train",
    "triage",
    "triage_many",
    "triage_pandas",
    "write_corpus",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kujo_triage' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
