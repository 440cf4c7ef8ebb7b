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
