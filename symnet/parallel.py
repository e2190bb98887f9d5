"""Run independent tasks in parallel on dask.distributed, in input order.

The planner workflows (site comparison, sweeps, Pareto front, resilience, explain) solve
many independent variants of one scenario. :func:`run_tasks` runs ``func(shared, item)``
for every item:

- in-process, one after the other, when ``workers == 1`` and no scheduler is given;
- on a :class:`distributed.LocalCluster` of ``workers`` single-threaded processes
  (default: one per CPU, at most one per task);
- on an existing cluster when ``scheduler`` is an address such as ``tcp://host:8786``
  (every worker must have symnet installed).

How the work is shipped (each variant is a fraction of a second of CPU, so per-task
overhead matters):

- ``shared`` (the scenario and its network) is scattered to every worker once and read
  by reference by every task; it is never re-serialised per task;
- items are batched into contiguous *chunks*, about :data:`CHUNKS_PER_WORKER` per worker
  thread (one Dask task per chunk, so scheduling and result transfer are paid per chunk,
  not per variant), while still leaving the scheduler room to balance uneven chunks;
- every worker is warmed up once (:func:`warm_up`): the solver stack is imported and
  HiGHS's process-wide thread pool is fixed at one thread, so that ``n`` worker
  processes do not run ``2 n`` solver threads on ``n`` cores (parallelism comes from
  solving several variants at once, not from threads inside one solve).

Results are re-assembled in the order of ``items``, so the output does not depend on the
number of workers, on the chunk size or on which task finishes first.

Example
-------
>>> run_tasks(pow, [1, 2, 3], shared=2, workers=1, progress=False)
[2, 4, 8]
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from symnet.errors import InputError, Problem

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: Default number of chunks per worker thread: per-task overhead is ~2-3 ms on a local
#: cluster against 30-200 ms per variant, so a few chunks per worker cost little and still
#: let the scheduler balance workers slowed by other processes.
CHUNKS_PER_WORKER = 4


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


def check_chunk_size(chunk_size: int | None) -> None:
    """Raise :class:`InputError` for a chunk size below 1."""
    if chunk_size is not None and chunk_size < 1:
        raise InputError(
            [
                Problem(
                    "chunk_size",
                    None,
                    "chunk_size",
                    f"got {chunk_size}; expected a whole number of items per task >= 1",
                )
            ]
        )


def chunk_bounds(n_items: int, chunk_size: int) -> list[tuple[int, int]]:
    """Split ``range(n_items)`` into contiguous ``(start, stop)`` chunks.

    The number of chunks is ``ceil(n_items / chunk_size)``; their sizes differ by at most
    one (larger chunks first), so e.g. 10 items in chunks of at most 4 give sizes 4, 3, 3
    rather than 4, 4, 2. The split depends only on the two arguments (deterministic).

    Parameters
    ----------
    n_items : int
        Number of items (>= 0).
    chunk_size : int
        Largest number of items in a chunk (>= 1).

    Returns
    -------
    list of (int, int)
        Half-open index ranges covering ``0 .. n_items`` in order.
    """
    check_chunk_size(chunk_size)
    if n_items <= 0:
        return []
    n_chunks = math.ceil(n_items / chunk_size)
    size, extra = divmod(n_items, n_chunks)
    bounds, start = [], 0
    for i in range(n_chunks):
        stop = start + size + (1 if i < extra else 0)
        bounds.append((start, stop))
        start = stop
    return bounds


def default_chunk_size(n_items: int, n_slots: int, chunks_per_worker: int = CHUNKS_PER_WORKER) -> int:
    """Items per Dask task: about ``chunks_per_worker`` chunks per worker thread.

    Parameters
    ----------
    n_items : int
        Number of items.
    n_slots : int
        Worker threads on the cluster (tasks that can run at once).
    chunks_per_worker : int
        Target number of chunks per worker thread.

    Returns
    -------
    int
        ``ceil(n_items / (n_slots * chunks_per_worker))``, at least 1.
    """
    return max(1, math.ceil(n_items / max(1, n_slots * chunks_per_worker)))


def in_dask_worker() -> bool:
    """True when called inside a Dask worker's task (a task does not start a cluster of its own)."""
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


_WARM = threading.local()  # warm_up()'s result per thread (HiGHS keeps one thread pool per calling thread)


def warm_up() -> bool:
    """Prepare the calling thread for solving many small models (once per worker thread).

    Imports the solver stack (pandas, PuLP, highspy, :mod:`symnet.optimise`) so that the
    first variant does not pay for it, and fixes the HiGHS thread pool of the calling
    thread at one thread by solving a one-variable LP with ``threads=1``: HiGHS creates
    its pool on a thread's first solve and later models with the default ``threads``
    reuse it. Without this, HiGHS's default pool starts helper threads in every worker
    (one per worker on a 2-CPU machine), so ``n`` single-threaded workers compete with
    extra solver threads for ``n`` cores. Idempotent per thread.

    Returns
    -------
    bool
        True when this thread's HiGHS pool was fixed at one thread (False: highspy is
        missing, or the pool was already sized by an earlier solve in this thread).
    """
    done = getattr(_WARM, "result", None)
    if done is not None:
        return done
    import pandas  # noqa: F401
    import pulp  # noqa: F401

    from symnet.optimise.solve import quiet_stdout  # HiGHS prints its banner to fd 1

    try:
        import highspy
    except ImportError:
        _WARM.result = False
        return False
    with quiet_stdout(True):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.addVar(0.0, 1.0)
        h.changeColCost(0, 1.0)
        status = h.run()
    _WARM.result = status == highspy.HighsStatus.kOk and h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return _WARM.result


def warm_workers(client: Any) -> list[bool]:
    """Run :func:`warm_up` once on every worker of ``client``, in its task thread.

    Returns
    -------
    list of bool
        :func:`warm_up`'s result per worker (workers sorted by address).
    """
    futures = [
        client.submit(warm_up, workers=[address], allow_other_workers=False, pure=False)
        for address in sorted(client.nthreads())
    ]
    return client.gather(futures)


WORKER_START_TIMEOUT_S = 120.0
"""Longest wait (seconds) for the processes of a new LocalCluster to register."""


HANDSHAKE_ATTEMPTS = 3
"""Tries at reaching an existing scheduler when its handshake reply arrives batched with
another message (distributed's client asserts a single reply: seen once in the test suite,
a second client of a scheduler that had just cancelled the first client's keys)."""


def _connect(client_class: Any, scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``, retrying a failed handshake (not an
    unreachable address: that raises OSError at once)."""
    attempt = 1
    while True:
        try:
            return client_class(scheduler, timeout="20s")
        except AssertionError:
            if attempt >= HANDSHAKE_ATTEMPTS:
                raise
            attempt += 1
            time.sleep(0.5)


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A :class:`distributed.Client` on a new LocalCluster (``workers`` processes, one
    thread each, bound to 127.0.0.1, no dashboard) or on the cluster at ``scheduler``.

    The workers are warmed up (:func:`warm_workers`) before the client is handed out. The
    LocalCluster is closed on exit; an existing cluster is left running.
    """
    from distributed import Client, LocalCluster

    check_workers(workers)
    if scheduler:
        try:
            client = _connect(Client, scheduler)
        except OSError as exc:
            raise InputError(
                [
                    Problem(
                        "--scheduler",
                        None,
                        "scheduler",
                        f"cannot reach the Dask scheduler at '{scheduler}' ({exc}); "
                        "expected the address of a running scheduler such as tcp://HOST:8786",
                    )
                ]
            ) from None
        try:
            warm_workers(client)
            yield client
        finally:
            client.close()
        return
    n_workers = workers or default_workers()
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = Client(cluster)
    try:
        # every worker registered before work is placed (otherwise a slow-starting one is
        # left out of warm_workers and of the first tasks)
        client.wait_for_workers(n_workers, timeout=WORKER_START_TIMEOUT_S)
        warm_workers(client)
        yield client
    finally:
        client.close()
        cluster.close()


def _progress(total: int, desc: str, enabled: bool | None) -> Any:
    from tqdm.auto import tqdm

    # enabled=None: show the bar only on a terminal (tqdm's disable=None)
    return tqdm(total=total, desc=desc, unit="run", disable=None if enabled is None else not enabled, leave=False)


def run_tasks(
    func: Callable[[S, T], R],
    items: Sequence[T],
    *,
    shared: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    progress: bool | None = None,
    desc: str = "runs",
    chunk_size: int | None = None,
) -> list[R]:
    """Run ``func(shared, item)`` for every item and return the results in input order.

    Parameters
    ----------
    func : callable
        A module-level (picklable) function of ``(shared, item)``.
    items : sequence
        Independent task descriptions (picklable).
    shared : object, optional
        Data every task reads (e.g. the scenario and its network); sent to each worker
        once (``client.scatter(..., broadcast=True)``) and passed by reference.
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
    chunk_size : int, optional
        Items per Dask task (ignored in-process). Default
        :func:`default_chunk_size`: about :data:`CHUNKS_PER_WORKER` chunks per worker
        thread.

    Returns
    -------
    list
        ``[func(shared, item) for item in items]``, identical whatever the number of
        workers and the chunk size.
    """
    check_workers(workers)
    check_chunk_size(chunk_size)
    items = list(items)
    if not items:
        return []
    if (
        client is None
        and scheduler is None
        and (workers == 1 or (workers is None and default_workers(len(items)) == 1))
    ):
        return _run_serial(func, items, shared, progress, desc)
    if client is not None:
        return _run_on(client, func, items, shared, progress, desc, chunk_size)
    with dask_client(workers if workers is not None else default_workers(len(items)), scheduler) as new_client:
        return _run_on(new_client, func, items, shared, progress, desc, chunk_size)


def _run_serial(func: Callable[[S, T], R], items: list[T], shared: S, progress: bool | None, desc: str) -> list[R]:
    out: list[R] = []
    with _progress(len(items), desc, progress) as bar:
        for item in items:
            out.append(func(shared, item))
            bar.update(1)
    return out


def _run_chunk(func: Callable[[S, T], R], shared: S, chunk: list[T]) -> list[R]:
    """One Dask task: ``func(shared, item)`` for the items of one chunk, in order (in the
    worker's task thread, warmed up on its first chunk)."""
    warm_up()
    return [func(shared, item) for item in chunk]


def _run_on(
    client: Any,
    func: Callable[[S, T], R],
    items: list[T],
    shared: S,
    progress: bool | None,
    desc: str,
    chunk_size: int | None,
) -> list[R]:
    from distributed import as_completed

    if chunk_size is None:
        chunk_size = default_chunk_size(len(items), sum(client.nthreads().values()))
    shared_future = client.scatter(shared, broadcast=True, hash=False)
    chunks = [items[start:stop] for start, stop in chunk_bounds(len(items), chunk_size)]
    futures = [client.submit(_run_chunk, func, shared_future, chunk, pure=False) for chunk in chunks]
    size = {future.key: len(chunk) for future, chunk in zip(futures, chunks)}
    try:
        with _progress(len(items), desc, progress) as bar:
            for future in as_completed(futures):
                if future.status == "error":
                    future.result()  # re-raises the task's exception here
                bar.update(size[future.key])
        return [result for chunk_results in client.gather(futures) for result in chunk_results]
    finally:
        client.cancel(futures)
        client.cancel(shared_future)
