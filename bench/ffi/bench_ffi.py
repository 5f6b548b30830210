"""FFI call cost from Python: `ChallengeRun.submit` of an input refused locally (an insecure
PIN on the new-PIN screen: checked and refused in Rust, nothing sealed or sent) versus the
no-op exported function `latchkey.noop()`, in the same library.

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

    await submits(2_000)  # warm-up
    submit_ns = min([await submits(N_SUBMIT) for _ in range(REPEATS)])
    noop_ns = min(timeit.repeat(latchkey.noop, number=N_NOOP, repeat=REPEATS)) / N_NOOP * 1e9
    screen_ns = min(timeit.repeat(run.screen, number=N_SUBMIT, repeat=REPEATS)) / N_SUBMIT * 1e9
    # A bare asyncio await of a finished future: the floor of any async call from Python.
    async def empty():
        return None

    async def awaits(n: int) -> float:
        t = time.perf_counter_ns()
        for _ in range(n):
            await empty()
        return (time.perf_counter_ns() - t) / n

    await_ns = min([await awaits(N_SUBMIT) for _ in range(REPEATS)])
    print(f"{PREFIX}_python_noop_ns={noop_ns:.1f}")
    print(f"{PREFIX}_python_submit_ns={submit_ns:.1f}")
    print(f"{PREFIX}_python_screen_ns={screen_ns:.1f}")
    print(f"{PREFIX}_python_await_empty_coroutine_ns={await_ns:.1f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
