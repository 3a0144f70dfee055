"""Where shards run: in this process, a local process pool, a Dask cluster, or Slurm job
arrays through submitit. Each yields shard reports as shards finish; what a shard computes
does not depend on where or in what order it runs."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError
from ..files import write_atomic
from .evaluate import ShardSpec, record_lost, run_shard
from .experiment import DaskOptions, Experiment

BACKENDS = ("serial", "process", "dask", "slurm")


def run_shards(specs: list[ShardSpec], backend: str, workers: int | None, exp: Experiment,
               out: Path) -> Generator[dict, None, None]:
    """The reports of ``specs`` as they finish; closing the generator stops the workers."""
    if not specs:
        return _serial(specs, workers, exp, out)
    return {"serial": _serial, "process": _process, "dask": _dask,
            "slurm": _slurm}[backend](specs, workers, exp, out)


MAP_BACKENDS = ("serial", "process", "dask")  # for work that is a map, not shards on disk


@contextmanager
def mapper(backend: str, workers: int | None, dask: DaskOptions) -> Iterator[Callable]:
    """A ``map(function, items)`` on a backend: this process, a local process pool, or a Dask
    cluster (Slurm through dask-jobqueue). Results come back in the items' order, so what is
    computed does not depend on which (calibration, policy search)."""
    if backend == "serial":
        yield map
    elif backend == "process":
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers or default_workers(),
                                 mp_context=context) as pool:
            yield pool.map
    elif backend == "dask":
        with dask_client(dask, workers) as client:
            yield lambda f, xs: client.gather(client.map(f, list(xs), pure=False))
    else:
        raise InputError("--backend", f"'{backend}' (allowed: {', '.join(MAP_BACKENDS)})")


def default_workers() -> int | None:  # None where the CPU count is unknown: the pool's own default
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _serial(specs, workers, exp, out):
    for spec in specs:
        yield run_shard(spec)


def _process(specs, workers, exp, out, work=run_shard):
    """A local process pool (pebble). A worker that dies (killed, out of memory) fails only the
    shard it was running: pebble replaces the worker, so the other workers' finished and
    in-flight shards are kept; the lost shard runs once more, and if its worker dies again it
    is stored as failed runs with the reason, so the sweep ends. Ctrl-C (or any failure) ends
    the workers at once: stored shards are whole and the same command resumes from them.
    ``work`` is what a worker does with a shard (an importable function)."""
    from pebble import ProcessExpired, ProcessPool

    # spawn: what Mesa sets anyway, and safe with threads in the parent
    pool = ProcessPool(max_workers=workers or default_workers() or 1,
                       context=multiprocessing.get_context("spawn"))
    tried: set[int] = set()
    futures = {pool.schedule(work, args=(spec,)): spec for spec in specs}
    try:
        while futures:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                spec = futures.pop(future)
                try:
                    yield future.result()
                except ProcessExpired as died:
                    if spec.shard_id not in tried:
                        tried.add(spec.shard_id)
                        futures[pool.schedule(work, args=(spec,))] = spec
                        continue
                    yield record_lost(spec, "WorkerDied: the worker process running this shard "
                                      f"died twice (exit code {died.exitcode}: killed, or out of "
                                      "memory?)")
    except BaseException:
        pool.stop()
        pool.join()
        raise
    pool.close()
    pool.join()


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


def _dask(specs, workers, exp, out, work=run_shard):
    """One task per shard. Dask itself runs a task whose worker died on another worker (up to
    its ``allowed-failures``); a shard that kills every worker it meets is then stored as failed
    runs with the reason, and the other shards go on."""
    from dask.distributed import KilledWorker
    from dask.distributed import as_completed as dask_completed

    with dask_client(exp.dask, workers) as client:
        futures = client.map(work, specs, pure=False)
        spec_of = {future.key: spec for future, spec in zip(futures, specs)}
        for future in dask_completed(futures):
            try:
                yield future.result()
            except KilledWorker as err:
                yield record_lost(spec_of[future.key], "WorkerDied: every Dask worker that ran "
                                  f"this shard died (killed, or out of memory?): {err}")


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
    alive = live_array_tasks(out)
    if alive:
        raise InputError(out, f"the Slurm array of this sweep still has {len(alive)} tasks "
                         f"queued or running (e.g. {alive[0]}): wait for them (squeue --me) or "
                         f"cancel them (scancel {alive[0].split('_')[0]}), then run the command "
                         "again")
    jobs = executor.map_array(run_shard, specs)
    write_atomic(out / "slurm" / ARRAY_RECORD, lambda p: Path(p).write_text(
        json.dumps({"jobs": [job.job_id for job in jobs]}), encoding="utf-8"))
    pending = dict(zip(jobs, specs))
    while pending:
        still = {}
        for job, spec in pending.items():
            if not job.done():
                still[job] = spec
                continue
            try:
                yield job.result()
            except submitit.core.utils.UncompletedJobError as err:
                # killed (time limit, node lost, out of memory): its shard stays missing, so
                # the sweep ends with it left and the same command runs it again
                yield {"shard_id": spec.shard_id, "runs": 0, "failed": 0,
                       "lost": f"array task {job.job_id}: {str(err).splitlines()[0]}"}
        pending = still
        if pending:
            time.sleep(2)


ARRAY_RECORD = "array.json"  # the task ids of the sweep's last Slurm array, in DIR/slurm/


def live_array_tasks(out: Path) -> list[str]:
    """The tasks of this sweep's last Slurm array that are still queued or running (squeue),
    so that a second command does not submit the same shards again while they run."""
    try:
        ids = json.loads((out / "slurm" / ARRAY_RECORD).read_text(encoding="utf-8"))["jobs"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    arrays = sorted({str(i).split("_")[0] for i in ids})
    if not arrays or shutil.which("squeue") is None:
        return []
    try:
        found = subprocess.run(["squeue", "--noheader", "--format=%i", "--jobs", ",".join(arrays)],
                               capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return []
    return found.stdout.split() if found.returncode == 0 else []
