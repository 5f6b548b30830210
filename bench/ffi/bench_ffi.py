"""FFI call cost from Python: `ChallengeRun.submit` of an input refused locally (an insecure
PIN on the new-PIN screen: checked and refused in Rust, nothing sealed or sent) versus the
no-op exported function `latchkey.noop()`, in the same library, with the two floors beside
it: `latchkey.noop_async()` (uniffi's async protocol alone, no result) and the synchronous
`ChallengeRun.screen()` (lifting the same `Screen` record, no future); `sdk_version()` (a
synchronous call returning a short string) is the floor of any call that returns a buffer.

Usage: python3 bench_ffi.py BASE_URL API_KEY   (the generated `latchkey` module on sys.path)
Prints `<prefix>_python_*_ns=` lines (nanoseconds per call, best of 5 repeats); the prefix is
`$FFI_PREFIX` (default `ffi`), so a baseline library can be measured in the same run. The user,
session and challenge are made over plain HTTP (`setup.py`): the measured library is the device
build, without `AdminClient`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import timeit

import latchkey
from setup import setup as http_setup

PREFIX = os.environ.get("FFI_PREFIX", "ffi")

N_NOOP = 200_000
N_SUBMIT = 20_000
REPEATS = 5


async def setup(base: str, api_key: str):
    token, key, cid = http_setup(base, api_key)
    client = latchkey.Client(latchkey.ClientConfig(base_url=base))
    session = client.session(token, key)
    return await session.run_challenge(cid)


async def main(base: str, api_key: str) -> None:
    run = await setup(base, api_key)
    bad = latchkey.Input.PIN("123456")  # sequential digits: refused by the PIN rules
    screen = await run.submit(bad)
    assert screen.is_ENTER_PIN() and screen.error is not None, screen

    async def submits(n: int) -> float:
        t = time.perf_counter_ns()
        for _ in range(n):
            await run.submit(bad)
        return (time.perf_counter_ns() - t) / n

    async def noop_asyncs(n: int) -> float:
        t = time.perf_counter_ns()
        for _ in range(n):
            await latchkey.noop_async()
        return (time.perf_counter_ns() - t) / n

    # A bare asyncio await of a finished coroutine: the floor of any async call from Python.
    async def empty():
        return None

    async def awaits(n: int) -> float:
        t = time.perf_counter_ns()
        for _ in range(n):
            await empty()
        return (time.perf_counter_ns() - t) / n

    def sync(f, n: int) -> float:
        return timeit.timeit(f, number=n) / n * 1e9

    # Warm-up, then the repeats interleaved (noop, noop_async, screen, submit, ...) so that a
    # change in the machine's load hits every figure alike; best of REPEATS each.
    await submits(2_000)
    await noop_asyncs(2_000)
    best: dict[str, float] = {}

    def keep(name: str, ns: float) -> None:
        best[name] = min(ns, best.get(name, ns))

    for _ in range(REPEATS):
        keep("noop", sync(latchkey.noop, N_NOOP))
        keep("noop_async", await noop_asyncs(N_SUBMIT))
        keep("sdk_version", sync(latchkey.sdk_version, N_SUBMIT))
        keep("screen", sync(run.screen, N_SUBMIT))
        keep("submit", await submits(N_SUBMIT))
        keep("await_empty_coroutine", await awaits(N_SUBMIT))
    for name in ("noop", "noop_async", "sdk_version", "screen", "submit", "await_empty_coroutine"):
        print(f"{PREFIX}_python_{name}_ns={best[name]:.1f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
