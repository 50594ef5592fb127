"""Run one function over many items: in this process, on this machine's cores, or on a
Dask distributed cluster.

A job is ``fn(shared, item)`` for every item, where ``shared`` is a read-only snapshot
(the region, the base problem) that every call needs. Items travel in chunks (one task
is one chunk) and the snapshot travels once per worker process: locally through the
pool's initializer, on a cluster by scattering it to every worker once and handing each
chunk task a reference to it. Results come back in the order of the items, so the same
inputs give the same list wherever they ran.

Dask is imported only when a scheduler is named, so that other commands start light.
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from relief.errors import InvalidInput, SchedulerUnavailable

FORM = "tcp://HOST:PORT"
CONNECT_SECONDS = 5
WORKERS_SECONDS = 10
_shared: dict[str, Any] = {}


def check_scheduler(address: str) -> str:
    """Takes a Dask scheduler address; returns it unchanged when it has the form
    ``tcp://HOST:PORT`` (HOST a name or an IP address, IPv6 in brackets; PORT 1-65535).

    Only the form is checked, nothing is contacted. Raises ``InvalidInput`` (option
    ``scheduler``) naming the value and the form allowed.
    """
    def bad(why: str) -> InvalidInput:
        return InvalidInput(f"scheduler must be an address of the form {FORM} (as `dask scheduler` prints it); "
                            f"got {address!r}: {why}", option="scheduler")

    if not isinstance(address, str) or not address.strip():
        raise bad("it is empty")
    parts = urlsplit(address.strip())
    if parts.scheme != "tcp":
        raise bad(f"the scheme must be tcp, not {parts.scheme or 'missing'!r}")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise bad("nothing may follow the port")
    try:
        port = parts.port
    except ValueError:
        raise bad("the port must be a whole number from 1 to 65535") from None
    host = parts.hostname
    if not host:
        raise bad("the host is missing")
    if port is None or not 1 <= port <= 65535:
        raise bad("the port is missing" if port is None else "the port must be a whole number from 1 to 65535")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise bad("the IPv6 host is not an address") from None
    elif not all(part and len(part) <= 63 and part.replace("-", "").replace("_", "").isalnum()
                 for part in host.split(".")):
        raise bad("the host is not a name or an IP address")
    return address.strip()


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def chunk_size(n: int, workers: int) -> int:
    """Takes the number of items and of workers; returns the default number of items per
    task: about eight tasks per worker, at most 16 items each, at least one."""
    return max(1, min(16, n // (max(workers, 1) * 8)))


def run_chunks(fn: Callable[[Any, Any], Any], items: Iterable, shared: Any, *, workers: int | None = None,
               scheduler: str | None = None, chunk: int | None = None,
               progress: Callable[[int], None] | None = None) -> list:
    """Apply ``fn(shared, item)`` to every item; returns the results in the order of ``items``.

    ``fn`` must be a module-level function (it is sent by name) and ``shared`` a picklable
    value that ``fn`` only reads. With ``scheduler`` (``tcp://HOST:PORT``) the chunks run
    on that Dask cluster's workers and ``workers`` is not used; otherwise on ``workers``
    local processes (default: every core), or in this process when ``workers`` is 1.
    ``chunk`` is the number of items per task (default: ``chunk_size``). ``progress(k)``
    is called as the results of ``k`` more items arrive.

    Raises ``InvalidInput`` for workers or chunk <= 0 and for a malformed scheduler
    address, ``SchedulerUnavailable`` (a ``Refused``) when no scheduler answers at the
    address within a few seconds or it has no worker; whatever ``fn`` raises passes
    through unchanged.
    """
    items = list(items)
    if scheduler is not None:
        scheduler = check_scheduler(scheduler)
    if workers is not None and workers <= 0:
        raise InvalidInput(f"workers must be greater than 0, got {workers}", option="workers")
    if chunk is not None and chunk <= 0:
        raise InvalidInput(f"chunk must be greater than 0, got {chunk}")
    if scheduler is not None:
        return _on_cluster(fn, items, shared, scheduler, chunk, progress)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(items) <= 1:
        return _in_process(fn, items, shared, progress)
    size = chunk or chunk_size(len(items), workers)
    return _on_cores(fn, _chunks(items, size), shared, workers, progress)


def _in_process(fn, items: list, shared, progress) -> list:
    results = []
    for item in items:
        results.append(fn(shared, item))
        if progress:
            progress(1)
    return results


def _init(shared) -> None:
    _shared["value"] = shared


def _local_chunk(task: tuple) -> tuple[int, list]:
    index, fn, items = task
    shared = _shared["value"]
    return index, [fn(shared, item) for item in items]


def _on_cores(fn, chunks: list[list], shared, workers: int, progress) -> list:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    done: dict[int, list] = {}
    with context.Pool(min(workers, len(chunks)), initializer=_init, initargs=(shared,)) as pool:
        for index, results in pool.imap_unordered(_local_chunk, [(i, fn, c) for i, c in enumerate(chunks)]):
            done[index] = results
            if progress:
                progress(len(results))
    return [result for i in range(len(chunks)) for result in done[i]]


def _cluster_chunk(fn, shared, items: list) -> list:
    # runs on a Dask worker; ``shared`` is the worker's one copy of the scattered snapshot
    return [fn(shared, item) for item in items]


def _answers(address: str) -> bool:
    """Whether anything accepts a TCP connection at ``address`` (a refusal comes at once)."""
    parts = urlsplit(address)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=CONNECT_SECONDS):
            return True
    except OSError:
        return False


def _speaks_dask(address: str) -> bool:
    """Whether a Dask scheduler completes the handshake at ``address`` within the time
    allowed (``distributed.Client`` waits for ever on a server that accepts and says nothing)."""
    import asyncio
    import concurrent.futures

    from distributed.comm import connect

    async def handshake() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=f"{CONNECT_SECONDS}s"), CONNECT_SECONDS + 1)
        await comm.close()

    # on a thread of its own: the caller's thread may already run an event loop of its own
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            pool.submit(asyncio.run, handshake()).result()
        except Exception:  # refused, timed out, or not Dask's protocol: no scheduler there either way
            return False
    return True


def _connect(address: str):
    from distributed import Client

    unavailable = SchedulerUnavailable(
        f"no Dask scheduler answers at {address} (waited up to {CONNECT_SECONDS} s); start one there with "
        f"`dask scheduler` and at least one `dask worker {address}`, or give the address it prints",
        option="scheduler")
    if not _answers(address) or not _speaks_dask(address):
        raise unavailable
    try:
        return Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise unavailable from error


def _on_cluster(fn, items: list, shared, address: str, chunk: int | None, progress) -> list:
    from distributed import as_completed

    client = _connect(address)
    try:
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except (OSError, TimeoutError) as error:
            raise SchedulerUnavailable(f"the Dask scheduler at {address} has no worker after {WORKERS_SECONDS} s; "
                                       f"start one with `dask worker {address}`", option="scheduler") from error
        if not items:
            return []
        size = chunk or chunk_size(len(items), len(client.scheduler_info().get("workers", {})) or 1)
        snapshot = client.scatter([shared], broadcast=True, hash=False)[0]
        futures = {client.submit(_cluster_chunk, fn, snapshot, part, pure=False): i
                   for i, part in enumerate(_chunks(items, size))}
        done: dict[int, list] = {}
        for future in as_completed(futures, loop=client.loop):
            done[futures[future]] = future.result()
            if progress:
                progress(len(done[futures[future]]))
        return [result for i in range(len(futures)) for result in done[i]]
    finally:
        client.close()
