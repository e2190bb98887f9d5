"""The model as arrays: columns (bounds, costs, integrality) and rows (one sparse matrix).

:class:`ArrayBuilder` collects column blocks (:mod:`symnet.optimise.variables`) and row
families (:mod:`symnet.optimise.constraints`) without any per-term Python object;
:meth:`ArrayBuilder.finish` turns them into :class:`ModelArrays`, the exact arrays handed to
HiGHS (:mod:`symnet.optimise.solve`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

TOL = 1e-6
"""Values below this (in the variable's own unit) are read as zero."""
BIG_M_FALLBACK = 1e7
"""Throughput bound (per year) used only for an uncapped converter whose required inputs can
all be bought: nothing in the data bounds it (give the facility a capacity)."""
INF = math.inf


@dataclass
class ModelArrays:
    """The model as arrays: columns (bounds, costs, integrality, names) and a CSR matrix.

    ``cost`` is in currency per unit of the column, ``co2`` in t CO2e per unit; ``blocks``
    maps a variable block name (``'x'``, ``'u'`` ...) to its column indices.
    """

    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    co2: np.ndarray
    integer: np.ndarray
    col_names: list[str]
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: list[str]
    blocks: dict[str, np.ndarray] = field(default_factory=dict)

    def subset(self, columns: np.ndarray, rows: np.ndarray) -> ModelArrays:
        """The model of these columns and rows only, in the order given (no blocks)."""
        return replace(
            self,
            lower=self.lower[columns],
            upper=self.upper[columns],
            cost=self.cost[columns],
            co2=self.co2[columns],
            integer=self.integer[columns],
            col_names=[self.col_names[c] for c in columns],
            matrix=self.matrix.tocsr()[rows][:, columns].tocsr(),
            row_lower=self.row_lower[rows],
            row_upper=self.row_upper[rows],
            row_names=[self.row_names[r] for r in rows],
            blocks={},
        )

    def relaxed(self, cost: np.ndarray) -> ModelArrays:
        """The LP relaxation (no integrality) with ``cost`` as its cost vector."""
        return replace(self, cost=cost, integer=np.zeros_like(self.integer))

    def without_rows(self, name: str) -> ModelArrays:
        """The same arrays without the rows called ``name``."""
        keep = np.array([n != name for n in self.row_names], dtype=bool)
        return replace(
            self,
            matrix=self.matrix[keep],
            row_lower=self.row_lower[keep],
            row_upper=self.row_upper[keep],
            row_names=[n for n, k in zip(self.row_names, keep) if k],
        )

    def with_row(self, name: str, coefs: np.ndarray, lower: float, upper: float) -> ModelArrays:
        """The same arrays with one more row ``lower <= coefs . columns <= upper``."""
        row = sp.csr_matrix(coefs.reshape(1, -1))
        row.eliminate_zeros()
        return replace(
            self,
            matrix=sp.vstack([self.matrix, row], format="csr"),
            row_lower=np.append(self.row_lower, lower),
            row_upper=np.append(self.row_upper, upper),
            row_names=self.row_names + [name],
        )


class ArrayBuilder:
    """Collects column blocks and row families as arrays (no per-term Python objects)."""

    def __init__(self) -> None:
        self.ncol = 0
        self.cols: list[tuple[str, tuple[int, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.nrow = 0
        self.triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.row_lo: list[np.ndarray] = []
        self.row_hi: list[np.ndarray] = []
        self.row_names: list[str] = []
        self.blocks: dict[str, np.ndarray] = {}

    def add_cols(
        self,
        name: str,
        shape: tuple[int, ...],
        *,
        lower: Any = 0.0,
        upper: Any = INF,
        cost: Any = 0.0,
        co2: Any = 0.0,
        integer: Any = False,
    ) -> np.ndarray:
        """Add a block of columns of ``shape``; returns their indices in that shape.

        ``cost`` (currency per unit) and ``co2`` (t CO2e per unit) broadcast to ``shape``.
        """
        size = int(np.prod(shape)) if shape else 1
        idx = np.arange(self.ncol, self.ncol + size).reshape(shape)

        def flat(v: Any, dtype: Any = float) -> np.ndarray:
            return np.broadcast_to(np.asarray(v, dtype=dtype), shape).ravel().copy()

        self.cols.append((name, shape, flat(lower), flat(upper), flat(cost), flat(co2), flat(integer, bool)))
        self.ncol += size
        self.blocks[name] = idx
        return idx

    def add_rows(
        self, names: list[str], rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lower: Any, upper: Any
    ) -> np.ndarray:
        """Rows ``lower <= sum vals x[cols] <= upper``; ``rows`` index ``names`` (0-based).

        Returns the model's row numbers of the new rows.
        """
        n = len(names)
        first = self.nrow
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        if not len(rows) == len(cols) == len(vals):
            raise AssertionError(f"row family {names[0]}: {len(rows)} rows, {len(cols)} columns, {len(vals)} values")
        self.triplets.append(
            (
                np.asarray(rows, dtype=np.int64) + self.nrow,
                np.asarray(cols, dtype=np.int64),
                np.asarray(vals, dtype=float),
            )
        )
        self.row_lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy())
        self.row_hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy())
        self.row_names.extend(names)
        self.nrow += n
        return first + np.arange(n)

    def finish(self) -> ModelArrays:
        """The collected columns and rows as :class:`ModelArrays` (duplicates summed)."""

        def cat(i: int) -> np.ndarray:
            return np.concatenate([c[i] for c in self.cols]) if self.cols else np.zeros(0)

        names: list[str] = []
        for name, shape, *_ in self.cols:
            if len(shape) == 2:
                names.extend(f"{name}_{i}_{p}" for i in range(shape[0]) for p in range(shape[1]))
            else:
                names.extend(f"{name}_{i}" for i in range(shape[0]))
        if self.triplets:
            r, c, v = (np.concatenate(t) for t in zip(*self.triplets))
        else:
            r = c = np.zeros(0, dtype=np.int64)
            v = np.zeros(0)
        keep = v != 0
        matrix = sp.csr_matrix((v[keep], (r[keep], c[keep])), shape=(self.nrow, self.ncol))
        matrix.sum_duplicates()
        matrix.sort_indices()
        lo = np.concatenate(self.row_lo) if self.row_lo else np.zeros(0)
        hi = np.concatenate(self.row_hi) if self.row_hi else np.zeros(0)
        return ModelArrays(
            cat(2),
            cat(3),
            cat(4),
            cat(5),
            cat(6).astype(bool),
            names,
            matrix,
            lo,
            hi,
            list(self.row_names),
            self.blocks,
        )


def profiles(df: pd.DataFrame, n_periods: int) -> np.ndarray:
    """Profiles (share of the annual quantity per period) of a supplies/demands table, (n, P)."""
    if len(df) == 0:
        return np.zeros((0, n_periods))
    return np.array(df["profile"].tolist(), dtype=float).reshape(len(df), n_periods)


def groups(df: pd.DataFrame, column: str) -> list[tuple[str, list[int]]]:
    """Row positions of ``df`` grouped by the values of ``column`` (sorted by value)."""
    if df.empty:
        return []
    return [(str(k), list(v)) for k, v in pd.Series(range(len(df))).groupby(df[column].to_numpy()).groups.items()]


def safe_name(name: str) -> str:
    """A row name solvers accept: letters, digits and ``_`` only."""
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
