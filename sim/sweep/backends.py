"""Where shards run: in this process, a local process pool, a Dask cluster, or Slurm job
arrays through submitit. Each yields shard reports as shards finish; what a shard computes
does not depend on where or in what order it runs."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from .evaluate import ShardSpec, record_lost, run_shard
from .experiment import DaskOptions, Experiment

BACKENDS = ("serial", "process", "dask", "slurm")


def run_shards(specs: list[ShardSpec], backend: str, workers: int | None, exp: Experiment,
               out: Path) -> Iterator[dict]:
    if not specs:
        return iter(())
    return {"serial": _serial, "process": _process, "dask": _dask,
            "slurm": _slurm}[backend](specs, workers, exp, out)


def default_workers() -> int | None:  # None where the CPU count is unknown: the pool's own default
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _serial(specs, workers, exp, out):
    for spec in specs:
        yield run_shard(spec)


def _process(specs, workers, exp, out):
    """A local process pool. A worker that dies (killed, out of memory) breaks the pool: the
    shards it left unfinished get one more pool, and shards whose worker dies again are
    stored as failed runs, so the other workers' work is kept and the sweep ends."""
    pending = list(specs)
    for _attempt in range(2):
        left = yield from _process_pool(pending, workers)
        if not left:
            return
        pending = [s for s in left if not Path(s.shard_path).is_file()]
    for spec in pending:
        yield record_lost(spec, "WorkerDied: the worker process running this shard died "
                          "twice (killed, or out of memory?)")


def _process_pool(specs: list[ShardSpec], workers: int | None):
    """Run ``specs`` in one pool; returns the specs left unfinished if a worker died."""
    # spawn: what Mesa sets anyway, and safe with threads in the parent
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers or default_workers(), mp_context=context)
    futures = {pool.submit(run_shard, spec): spec for spec in specs}
    finished: set[int] = set()
    try:
        for future in as_completed(futures):
            try:
                report = future.result()
            except BrokenProcessPool:
                _stop(pool)
                return [s for s in specs if s.shard_id not in finished]
            finished.add(futures[future].shard_id)
            yield report
    except BaseException:
        # Ctrl-C (or any failure): stop now. Shards already stored are whole (written
        # atomically) and a run of the same command resumes from them; a worker's shard in
        # flight is simply redone.
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return []


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers at once (ProcessPoolExecutor's own
    shutdown would wait for the shards in flight)."""
    workers = list(getattr(pool, "_processes", {}).values())  # no public handle on them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        if process.is_alive():
            process.terminate()


@contextmanager
def dask_client(opts: DaskOptions, workers: int | None) -> Iterator:
    """A Dask client: a running scheduler, a dask-jobqueue cluster (Slurm, PBS...) or a local
    cluster of single-threaded worker processes; closed on leaving."""
    from dask.distributed import Client, LocalCluster

    if opts.scheduler:
        cluster, client = None, Client(opts.scheduler)
    elif opts.jobqueue:
        import dask_jobqueue

        kind = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster",
                "lsf": "LSFCluster"}[opts.jobqueue]
        cluster = getattr(dask_jobqueue, kind)(**opts.cluster)
        cluster.scale(jobs=opts.jobs)
        client = Client(cluster)
    else:
        cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask(specs, workers, exp, out):
    from dask.distributed import as_completed as dask_completed

    with dask_client(exp.dask, workers) as client:
        futures = client.map(run_shard, specs, pure=False)
        for future in dask_completed(futures):
            yield future.result()


def _slurm(specs, workers, exp, out):
    import submitit

    opts = exp.slurm
    cluster = os.environ.get("RURALEDU_SUBMITIT_CLUSTER")  # "local" runs the array here
    executor = submitit.AutoExecutor(folder=str(out / "slurm" / "%j"), cluster=cluster)
    params = {"timeout_min": opts.time_min, "cpus_per_task": opts.cpus_per_task,
              "mem_gb": opts.mem_gb, "slurm_array_parallelism": opts.max_parallel}
    if opts.partition:
        params["slurm_partition"] = opts.partition
    if opts.account:
        params["slurm_account"] = opts.account
    params.update(opts.extra)
    executor.update_parameters(**{k: v for k, v in params.items()
                                  if executor.cluster == "slurm" or not k.startswith("slurm_")})
    jobs = executor.map_array(run_shard, specs)
    pending = list(jobs)
    while pending:
        still = []
        for job in pending:
            if job.done():
                yield job.result()
            else:
                still.append(job)
        pending = still
        if pending:
            time.sleep(2)
