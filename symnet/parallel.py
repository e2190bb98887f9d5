"""Run independent tasks in parallel on dask.distributed, in input order.

The planner workflows (site comparison, sweeps, Pareto front, resilience, explain) solve
many independent variants of one scenario. :func:`run_tasks` runs ``func(shared, item)``
for every item:

- in-process, one after the other, when ``workers == 1`` and no scheduler is given;
- on a :class:`distributed.LocalCluster` of ``workers`` single-threaded processes
  (default: one per CPU, at most one per task);
- on an existing cluster when ``scheduler`` is an address such as ``tcp://host:8786``
  (every worker must have symnet installed).

``shared`` (the scenario and its network) is scattered to every worker once; results
are gathered in the order of ``items``, so the output does not depend on the number of
workers or on which task finishes first.

Example
-------
>>> run_tasks(pow, [1, 2, 3], shared=2, workers=1, progress=False)
[2, 4, 8]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any, Iterator, TypeVar

from symnet.errors import InputError, Problem

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


def default_workers(n_tasks: int | None = None) -> int:
    """Number of worker processes for this machine: one per CPU (at least 1), never more
    than ``n_tasks``."""
    n = os.cpu_count() or 1
    if n_tasks is not None:
        n = min(n, max(n_tasks, 1))
    return max(n, 1)


def check_workers(workers: int | None) -> None:
    """Raise :class:`InputError` for a worker count below 1."""
    if workers is not None and workers < 1:
        raise InputError([Problem("--workers", None, "workers", f"got {workers}; expected a whole number >= 1")])


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A :class:`distributed.Client` on a new LocalCluster (``workers`` processes, one
    thread each, bound to 127.0.0.1, no dashboard) or on the cluster at ``scheduler``.

    The LocalCluster is closed on exit; an existing cluster is left running.
    """
    from distributed import Client, LocalCluster

    check_workers(workers)
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise InputError([Problem("--scheduler", None, "scheduler",
                                      f"cannot reach the Dask scheduler at '{scheduler}' ({exc}); "
                                      "expected the address of a running scheduler such as tcp://HOST:8786")]) from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _progress(total: int, desc: str, enabled: bool | None) -> Any:
    from tqdm.auto import tqdm

    # enabled=None: show the bar only on a terminal (tqdm's disable=None)
    return tqdm(total=total, desc=desc, unit="run", disable=None if enabled is None else not enabled, leave=False)


def run_tasks(func: Callable[[S, T], R], items: Sequence[T], *, shared: S = None, workers: int | None = None,
              scheduler: str | None = None, client: Any = None, progress: bool | None = None,
              desc: str = "runs") -> list[R]:
    """Run ``func(shared, item)`` for every item and return the results in input order.

    Parameters
    ----------
    func : callable
        A module-level (picklable) function of ``(shared, item)``.
    items : sequence
        Independent task descriptions (picklable).
    shared : object, optional
        Data every task reads (e.g. the scenario and its network); sent to each worker
        once (``client.scatter(..., broadcast=True)``).
    workers : int, optional
        Worker processes of a LocalCluster; ``1`` runs in-process without a cluster.
        Default: one per CPU (capped at the number of tasks).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://HOST:PORT``); overrides ``workers``.
    client : distributed.Client, optional
        An open client to reuse (several batches on one cluster).
    progress : bool, optional
        Show a progress bar (default: only on a terminal).
    desc : str
        Label of the progress bar.

    Returns
    -------
    list
        ``[func(shared, item) for item in items]``, identical whatever the number of workers.
    """
    check_workers(workers)
    items = list(items)
    if not items:
        return []
    if client is None and scheduler is None and (workers == 1 or (workers is None and default_workers(len(items)) == 1)):
        return _run_serial(func, items, shared, progress, desc)
    if client is not None:
        return _run_on(client, func, items, shared, progress, desc)
    with dask_client(workers if workers is not None else default_workers(len(items)), scheduler) as new_client:
        return _run_on(new_client, func, items, shared, progress, desc)


def _run_serial(func: Callable[[S, T], R], items: list[T], shared: S, progress: bool | None, desc: str) -> list[R]:
    out: list[R] = []
    with _progress(len(items), desc, progress) as bar:
        for item in items:
            out.append(func(shared, item))
            bar.update(1)
    return out


def _run_on(client: Any, func: Callable[[S, T], R], items: list[T], shared: S, progress: bool | None,
            desc: str) -> list[R]:
    from distributed import as_completed

    shared_future = client.scatter(shared, broadcast=True, hash=False)
    futures = [client.submit(func, shared_future, item, pure=False) for item in items]
    try:
        with _progress(len(items), desc, progress) as bar:
            for future in as_completed(futures):
                if future.status == "error":
                    future.result()  # re-raises the task's exception here
                bar.update(1)
        return client.gather(futures)
    finally:
        client.cancel(futures)
        client.cancel(shared_future)
