"""The one reader of package data (label sets now; playbooks, lexicons and the model later).

Everything under ``kujo_triage/data`` is read through :mod:`importlib.resources`, so the
package works the same from a source checkout, an installed wheel or a zip.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


def _data_file(name: str):
    return resources.files("kujo_triage").joinpath("data", name)


@lru_cache(maxsize=None)
def read_json(name: str) -> Any:
    """Return the parsed JSON data file ``kujo_triage/data/<name>``."""
    with _data_file(name).open("r", encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=None)
def read_text(name: str) -> str:
    """Return the UTF-8 text data file ``kujo_triage/data/<name>`` (e.g. the report template)."""
    return _data_file(name).read_text(encoding="utf-8")


def default_model_dir():
    """Directory of the shipped default model (``kujo_triage.models/default``).

    In the repository this is ``models/default``; pyproject.toml maps ``models/`` to the
    ``kujo_triage.models`` package so the model is package data in the wheel.
    """
    from pathlib import Path

    return Path(str(resources.files("kujo_triage.models").joinpath("default")))


def playbook_dir():
    """Directory of the shipped playbooks (``kujo_triage/data/playbooks``)."""
    from pathlib import Path

    return Path(str(resources.files("kujo_triage").joinpath("data", "playbooks")))


def corpus_path():
    """The shipped labelled corpus (``data/samples/complaints.csv``, package ``kujo_triage.samples``)."""
    from pathlib import Path

    return Path(str(resources.files("kujo_triage.samples").joinpath("complaints.csv")))
