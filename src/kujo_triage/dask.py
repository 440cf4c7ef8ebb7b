"""Triage the text column of a Dask DataFrame, partition by partition.

:func:`triage_dataframe` returns the input Dask DataFrame with the score columns of
:data:`kujo_triage.scoring.OUTPUT_COLUMNS` appended: every input column and row is kept, in
the same partitions and with the same index. Each partition is scored by
:func:`kujo_triage.frame.triage_pandas` (column names, dtypes and bad-row handling are
documented there).

This module needs Dask (``pip install 'kujo-triage[dask]'``); ``import kujo_triage`` never
imports it.
"""

from __future__ import annotations

import os
from typing import Any

try:  # absolute imports: these are the real dask packages, not this module (kujo_triage.dask)
    import dask
    import dask.dataframe as dd
except ImportError as e:  # pragma: no cover - exercised in a subprocess by tests/test_dask.py
    raise ImportError("kujo_triage.dask needs Dask: pip install 'kujo-triage[dask]'") from e

import pandas as pd

from .frame import (  # noqa: F401 - re-exported: the names Dask users look for here
    OUTPUT_DTYPES, PREFIX, MissingColumnError, TextColumns, check_model, check_playbooks, as_columns,
    output_names, triage_pandas,
)

__all__ = ["OUTPUT_DTYPES", "PREFIX", "MissingColumnError", "output_names", "triage_dataframe", "triage_pandas"]


def triage_dataframe(ddf: dd.DataFrame, text_column: TextColumns = "text", *, model: Any = None,
                     playbooks: Any = None) -> dd.DataFrame:
    """Return ``ddf`` with the score columns appended, computed lazily partition by partition.

    Every input column and row is kept, in the same partitions, with the same index and
    divisions; the appended columns are those of :func:`triage_pandas` (same names, same
    dtypes, same handling of bad rows). Nothing is computed until you call ``.compute()``,
    ``.to_parquet(...)``, etc.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Any columns and index.
    text_column : column name or list of column names, default "text"
        As for :func:`triage_pandas`; checked here, before anything runs.
    model : TriageModel or path, optional
        A model object (sent to the workers once, as one piece of data of the graph) or the
        directory of a saved model **as the workers see it** (shared storage): each worker
        process loads it on its first partition and keeps it. The shipped default model
        otherwise (loaded once per worker process).
    playbooks : PlaybookSet or path, optional
        As for :func:`triage_pandas`; a path is read by the workers.

    Returns
    -------
    dask.dataframe.DataFrame

    Raises
    ------
    MissingColumnError
        (a KeyError and a ValueError) a text column is not in ``ddf``; the message lists the
        columns found.
    TypeError
        ``ddf`` is not a Dask DataFrame, or ``model``/``playbooks`` is of the wrong kind.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd
    >>> df = pd.DataFrame({"id": ["a", "b", "c"],
    ...                    "text": ["充電中にスマホが発火して、子どもが手をやけどしました",
    ...                             "", "請求が二重になっています"]})
    >>> scored = triage_dataframe(dd.from_pandas(df, npartitions=2))
    >>> out = scored.compute()
    >>> out["tier"].iloc[0], out["error"].iloc[1][:10], out["error"].iloc[2]
    ('worst_case', 'empty text', '')
    >>> scored.dtypes[["tier", "confidence", "needs_review"]].astype(str).tolist()
    ['string', 'float64', 'boolean']
    """
    if not isinstance(ddf, dd.DataFrame):
        hint = (" (for a pandas DataFrame use triage_pandas, or dd.from_pandas(df, npartitions=...))"
                if isinstance(ddf, pd.DataFrame) else "")
        raise TypeError(f"triage_dataframe: expected a dask.dataframe.DataFrame, got {type(ddf).__name__}{hint}")
    check_model(model)
    check_playbooks(playbooks)
    text_column = as_columns(text_column)
    # The empty frame Dask carries as a sample: checks the columns now and gives the exact meta.
    meta = triage_pandas(ddf._meta, text_column)
    if model is not None and not isinstance(model, (str, os.PathLike)):
        # one key in the graph, shipped to each worker once, not pickled into every task
        model = dask.delayed(model, pure=False)
    return ddf.map_partitions(triage_pandas, text_column=text_column, model=model, playbooks=playbooks, meta=meta)
