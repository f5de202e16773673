"""The Dask backend of the runner: the same per-document function mapped over a dask.distributed
cluster, for batches that outgrow one machine.

Only the processing moves: tasks go out, outcomes come back to the runner, which caches and writes
them exactly as after a local run (so the tables are byte-identical).  Each worker builds its
tokenizer and compiled rules once, when it joins (a worker plugin), from its own compiled-rules
cache.  Imported only when `--dask` is given; dask and distributed are the optional extra `dask`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed

from pipeline.process import prepare

CONNECT_TIMEOUT = "20s"


class ClusterError(RuntimeError):
    """The scheduler could not be reached or the local cluster could not start."""


class Prepare(WorkerPlugin):
    """Builds the tokenizer and compiled rules once in every worker, including workers that join later."""

    name = "zhreport-prepare"

    def __init__(self, *, ner: bool) -> None:
        self.ner = ner

    def setup(self, worker: Any) -> None:
        prepare(ner=self.ner)


def run_on_cluster(*, tasks: Sequence[Any], work: Callable[[Any], Any], address: str, workers: int,
                   ner: bool) -> Iterator[tuple[Any, Any]]:
    """(future, task) pairs as documents finish; `address` is a scheduler (tcp://host:8786) or
    `local` for a LocalCluster of `workers` single-threaded processes on this machine."""
    with ExitStack() as stack:
        try:
            if address == "local":
                logging.getLogger("distributed").setLevel(logging.ERROR)
                cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1,
                                                           processes=True, dashboard_address=None))
                client = stack.enter_context(Client(cluster))
            else:
                client = stack.enter_context(Client(address, timeout=CONNECT_TIMEOUT))
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"could not reach the Dask scheduler {address}: {exc}") from None
        client.register_plugin(Prepare(ner=ner))
        futures = client.map(work, tasks, pure=False)
        by_key = dict(zip((f.key for f in futures), tasks))
        try:
            for future in as_completed(futures):
                yield future, by_key[future.key]
        finally:
            client.cancel(futures)
