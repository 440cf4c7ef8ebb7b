"""kujo-triage: triage Japanese customer complaints (クレーム).

The public surface is declared here once; everything else is an implementation detail.
"""

from .corpus import assign_split, read_corpus, write_corpus
from .errors import CorpusError, KujoTriageError, Problem
from .schema import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, TIERS

__version__ = "0.1.0.dev0"

__all__ = [
    "CATEGORIES",
    "EMOTIONS",
    "FLAGS",
    "INTENSITIES",
    "TIERS",
    "CorpusError",
    "KujoTriageError",
    "Problem",
    "assign_split",
    "read_corpus",
    "write_corpus",
    "__version__",
]
