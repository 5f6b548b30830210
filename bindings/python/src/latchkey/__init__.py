"""Latchkey PIN and account-recovery SDK for Python.

Everything in the uniffi-generated module (``Client``, ``Session``, ``ChallengeRun``,
``Screen``, ``Input``, ``LatchkeyError``, ...; see ``udl/latchkey.udl``) is re-exported here,
plus :func:`screens`, an async iterator over a run's screens.

    client = latchkey.Client(latchkey.ClientConfig(base_url="https://wallet.example"))
    session = client.session(user_token, encryption_key)
    run = await session.run_challenge(challenge_id)
    screen = await run.submit(latchkey.Input.PIN("135790"))

Signing challenges open on ``Screen.REVIEW_SIGNATURE`` (what will be signed, decoded by the
SDK): :func:`approve` goes on to the PIN, :func:`reject` refuses (nothing is signed). The final
``Screen.DONE`` carries ``result`` (``signature`` or ``signed_transaction`` + ``tx_hash``).
"""

from __future__ import annotations

import asyncio
import typing

from .latchkey import *  # noqa: F401,F403  (the generated module defines __all__)
from .latchkey import ChallengeResult, ChallengeRun, Input, Screen, ScreenListener
from .latchkey import __all__ as _generated_all

__all__ = list(_generated_all) + ["screens", "is_terminal", "approve", "reject", "result_of"]


def is_terminal(screen: Screen) -> bool:
    """Whether ``screen`` ends the run (Done, Failed, Locked or Cancelled)."""
    return screen.is_done() or screen.is_failed() or screen.is_locked() or screen.is_cancelled()


async def approve(run: ChallengeRun) -> Screen:
    """Approves the request on ``Screen.REVIEW_SIGNATURE``; the next screen asks for the PIN."""
    return await run.submit(Input.ACKNOWLEDGE())


async def reject(run: ChallengeRun) -> Screen:
    """Rejects the request on ``Screen.REVIEW_SIGNATURE``: nothing is signed, the server is
    told, and the run ends ``Screen.FAILED`` with code 155826."""
    return await run.submit(Input.REJECT())


def result_of(screen: Screen) -> typing.Optional[ChallengeResult]:
    """The result a ``Screen.DONE`` carries (signature, signed transaction, wallet ids), else
    ``None``."""
    return screen.result if screen.is_done() else None


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
