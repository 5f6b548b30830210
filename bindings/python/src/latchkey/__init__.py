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

Recovery codes: a ``SET_RECOVERY_CODE`` run shows ``Screen.SHOW_RECOVERY_CODE`` (its ``groups``
are a SECRET: draw them, never log, print or store the screen) -- :func:`code_written_down`
goes on to ``Screen.CONFIRM_RECOVERY_CODE``, answered with :func:`enter_recovery_code` (the
groups it asks for). A ``RESTORE_PIN`` created with ``AdminClient.create_restore_pin_with_code``
opens on ``Screen.ENTER_RECOVERY_CODE``, also answered with :func:`enter_recovery_code`.

Cloud backup: the app implements :class:`CloudStorage` (async ``put(name, data)``,
``get(name) -> bytes | None``, ``remove(name)``; raise ``CloudStorageError.Failed(reason)``)
over the user's own cloud (``directory_storage(path)`` is a file-directory one for tests), and
runs ``SET_CLOUD_BACKUP`` and a ``RESTORE_PIN`` created with
``AdminClient.create_restore_pin_with_backup`` through :func:`run_with_storage`::

    class MyCloud(latchkey.CloudStorage):
        async def put(self, name: str, data: bytes) -> None: ...
        async def get(self, name: str) -> bytes | None: ...
        async def remove(self, name: str) -> None: ...

    async with latchkey.run_with_storage(session, challenge_id, MyCloud()) as run:
        screen = await run.submit(latchkey.Input.PIN(pin))
"""

from __future__ import annotations

import asyncio
import contextlib
import typing

from .latchkey import *  # noqa: F401,F403  (the generated module defines __all__)
from .latchkey import ChallengeResult, ChallengeRun, Input, Screen, ScreenListener
from .latchkey import CloudStorage, Session, uniffi_set_event_loop
from .latchkey import __all__ as _generated_all

__all__ = list(_generated_all) + [
    "screens",
    "is_terminal",
    "approve",
    "reject",
    "result_of",
    "code_written_down",
    "enter_recovery_code",
    "run_with_storage",
]


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


async def code_written_down(run: ChallengeRun) -> Screen:
    """The user wrote down the code on ``Screen.SHOW_RECOVERY_CODE``; the next screen asks to
    retype some of its groups (``Screen.CONFIRM_RECOVERY_CODE``)."""
    return await run.submit(Input.ACKNOWLEDGE())


async def enter_recovery_code(run: ChallengeRun, code: str) -> Screen:
    """The recovery code typed on ``Screen.ENTER_RECOVERY_CODE``, or the groups asked for on
    ``Screen.CONFIRM_RECOVERY_CODE`` (in order). Separators and case are free. A secret: drop
    your reference to ``code`` afterwards (Python strings cannot be wiped)."""
    return await run.submit(Input.RECOVERY_CODE(code))


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


@contextlib.asynccontextmanager
async def run_with_storage(
    session: Session, challenge_id: str, storage: CloudStorage
) -> typing.AsyncIterator[ChallengeRun]:
    """``session.run_challenge_with_storage`` for use with ``async with``.

    The SDK calls ``storage``'s coroutines from its own threads; uniffi runs them on the event
    loop set with ``uniffi_set_event_loop`` (there is no running loop on those threads). This
    sets it to the running loop for the ``async with`` block and clears it afterwards, so later
    ``asyncio.run`` calls do not see a closed loop. Drive the run from that loop only; runs with
    storage in other loops at the same time are not supported.
    """
    uniffi_set_event_loop(asyncio.get_running_loop())
    try:
        yield await session.run_challenge_with_storage(challenge_id, storage)
    finally:
        uniffi_set_event_loop(None)  # type: ignore[arg-type]
