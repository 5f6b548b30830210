"""Latchkey PIN and account-recovery SDK for Python.

Everything in the uniffi-generated module (``Client``, ``Session``, ``ChallengeRun``,
``Screen``, ``Input``, ``LatchkeyError``, ...; see ``udl/latchkey.udl``) is re-exported here,
plus :func:`screens`, an async iterator over a run's screens.

    client = latchkey.Client(latchkey.ClientConfig(base_url="https://wallet.example"))
    session = client.session(user_token, encryption_key)
    run = await session.run_challenge(challenge_id)
    screen = await run.submit(latchkey.Input.PIN("135790"))
"""

from __future__ import annotations

import asyncio
import typing

from .latchkey import *  # noqa: F401,F403  (the generated module defines __all__)
from .latchkey import ChallengeRun, Screen, ScreenListener, __all__ as _generated_all

__all__ = list(_generated_all) + ["screens", "is_terminal"]


def is_terminal(screen: Screen) -> bool:
    """Whether ``screen`` ends the run (Done, Failed, Locked or Cancelled)."""
    return screen.is_done() or screen.is_failed() or screen.is_locked() or screen.is_cancelled()


async def screens(run: ChallengeRun) -> typing.AsyncIterator[Screen]:
    """Yields the run's current screen, then every new one, until a terminal screen.

    Built on ``run.subscribe``: the SDK pushes screens from its own thread and they are handed
    to the running asyncio loop. Leaving the ``async for`` early cancels the subscription.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Screen] = asyncio.Queue()

    class _Listener(ScreenListener):
        def on_screen(self, screen: Screen) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, screen)

    handle = run.subscribe(_Listener())
    try:
        while True:
            screen = await queue.get()
            yield screen
            if is_terminal(screen):
                return
    finally:
        handle.cancel()
