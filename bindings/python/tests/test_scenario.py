"""The full story through the Python bindings against a real server: initialize with a PIN,
two questions and a wallet, sign a message (eth-account recovers the wallet's address), change
the PIN, three wrong PINs lock it, recover with the answers, and the new PIN signs with the same
wallet. Plus a rejected signature, an EIP-1559 transaction run on an in-process EVM
(eth-tester + py-evm), errors, listeners and the namespace functions."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

import latchkey
from conftest import API_KEY, fast_config, new_user_id

PIN1, PIN2, PIN3, WRONG = "135790", "246801", "975310", "112358"
Screen, Input = latchkey.Screen, latchkey.Input


def answer_for(q: latchkey.Question) -> str:
    if q.kind == latchkey.QuestionKind.DATE:
        return "1994-07-15"
    return "Rex" if q.id == "q01" else "Springfield Elm Street"


class World:
    def __init__(self, base_url: str) -> None:
        self.admin = latchkey.AdminClient(fast_config(latchkey, base_url), API_KEY)
        self.client = latchkey.Client(fast_config(latchkey, base_url))

    async def new_session(self, prefix: str):
        user_id = new_user_id(prefix)
        await self.admin.create_user(user_id)
        tok = await self.admin.create_user_token(user_id)
        return user_id, tok.user_token, self.client.session(tok.user_token, tok.encryption_key)

    async def run(self, session, token: str, kind: latchkey.ChallengeType):
        # A key the caller keeps: retrying the whole call returns the same challenge.
        key = self.admin.new_idempotency_key()
        cid = await self.admin.create_challenge(token, kind, key)
        assert await self.admin.create_challenge(token, kind, key) == cid
        return await session.run_challenge(cid)


async def initialize(run, pin: str) -> latchkey.Screen:
    s = run.screen()
    assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.NEW, s
    await run.submit(Input.PIN(pin))
    s = await run.submit(Input.PIN(pin))
    while True:
        if s.is_choose_question():
            s = await run.submit(Input.CHOOSE_QUESTION(s.options[0].id))
        elif s.is_answer_question():
            assert s.hint_allowed
            s = await run.submit(Input.ANSWER(answer_for(s.question), "think of home"))
        elif s.is_review():
            assert len(s.entries) == 2
            assert s.acknowledgement == latchkey.acknowledgement_text()
            s = await run.submit(Input.ACKNOWLEDGE())
        else:
            return s


def test_full_scenario(server):
    async def story():
        w = World(server.base_url)
        user_id, token, session = await w.new_session("py-story")

        # ---- INITIALIZE with wallets: an insecure PIN and a mismatch are screens, then PIN +
        # 2 questions; the wallets are created when it completes.
        chains = [latchkey.Blockchain.ETH_SEPOLIA, latchkey.Blockchain.EVM_TESTNET]
        cid = await w.admin.create_initialize_with_wallets(token, chains, None, None)
        run = await session.run_challenge(cid)
        assert run.challenge_type() == latchkey.ChallengeType.INITIALIZE
        assert run.blockchains() == chains
        s = await run.submit(Input.PIN("123456"))
        assert s.is_enter_pin() and s.error is not None, s
        assert s.error.kind == latchkey.InputErrorKind.INSECURE_PIN and s.error.code == 155704
        await run.submit(Input.PIN(PIN1))
        s = await run.submit(Input.PIN(PIN2))
        assert s.error.kind == latchkey.InputErrorKind.PIN_MISMATCH, s
        s = await initialize(run, PIN1)
        assert s.is_done(), s
        c = await run.wait_for_result(5000)
        assert c.status == latchkey.ChallengeStatus.COMPLETE
        wallets = await session.wallets()
        assert [x.blockchain for x in wallets] == chains
        assert sorted(s.result.wallet_ids) == sorted(x.id for x in wallets)
        assert wallets[0].address == wallets[1].address  # one key, every EVM chain
        assert wallets[0].account_type == latchkey.AccountType.EOA
        assert wallets[0].state == latchkey.WalletState.LIVE
        wallet = await session.wallet(wallets[0].id)
        assert wallet == wallets[0]
        assert await w.admin.list_user_wallets(user_id) == wallets

        # ---- SIGN_MESSAGE: review, PIN, and the signature recovers the wallet's address.
        sig = await sign_message(w, session, token, wallet, "Hello from Latchkey", PIN1)
        assert recover(sig, b"Hello from Latchkey") == wallet.address
        u = await w.admin.get_user(user_id)
        assert u.pin_status == latchkey.CredentialStatus.ENABLED
        assert u.security_question_status == latchkey.CredentialStatus.ENABLED
        with pytest.raises(latchkey.LatchkeyError.InvalidInput) as ei:
            await run.submit(Input.PIN(PIN1))
        assert ei.value.code == 155804

        # ---- CHANGE_PIN PIN1 -> PIN2.
        run = await w.run(session, token, latchkey.ChallengeType.CHANGE_PIN)
        s = run.screen()
        assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.CURRENT
        with pytest.raises(latchkey.LatchkeyError.InvalidInput) as ei:
            await run.submit(Input.ACKNOWLEDGE())
        assert ei.value.code == 155815
        assert run.pin_length() == 6
        assert not run.can_go_back()
        s = await run.submit(Input.PIN(PIN1))
        assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.NEW, s
        assert latchkey.screen_progress(s) == s.progress
        await run.submit(Input.PIN(PIN2))
        assert run.can_go_back()
        s = await run.submit(Input.PIN(PIN2))
        assert s.is_done(), s
        assert not run.can_go_back()
        assert (await run.wait_for_result(5000)).status == latchkey.ChallengeStatus.COMPLETE

        # ---- three wrong PINs -> locked with an expiry.
        run = await w.run(session, token, latchkey.ChallengeType.CHANGE_PIN)
        for left in (2, 1):
            s = await run.submit(Input.PIN(WRONG))
            assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.CURRENT, s
            assert s.error.kind == latchkey.InputErrorKind.INCORRECT_PIN
            assert s.attempts_left == left
        s = await run.submit(Input.PIN(WRONG))
        assert s.is_locked(), s
        assert s.code == 155119
        assert s.lock_expiry is not None
        assert s.lock_expiry_unix - time.time() > 60
        assert latchkey.locked_credential(s) == latchkey.LockedCredential.PIN
        assert latchkey.screen_message(s) == "PIN is locked after too many wrong attempts."
        assert latchkey.screen_message(s) == latchkey.error_description(s.code)
        # A lock that ends by waiting (the lifetime cap is not reached).
        assert s.recovery_required is False
        c = await run.wait_for_result(5000)
        assert c.status == latchkey.ChallengeStatus.FAILED and c.error_code == 155119
        u = await w.admin.get_user(user_id)
        assert u.pin_status == latchkey.CredentialStatus.LOCKED
        assert u.pin_details.failed_attempts == 3
        assert u.pin_details.locked_expiry_date is not None
        # The device reads the same status with its session (no API key).
        assert await session.user() == u
        assert u.pin_details.lock_level == 1
        assert u.pin_details.failed_attempts_total == 3
        assert u.pin_details.recovery_required is False

        # ---- RESTORE_PIN with the answers (the saved hint is shown), new PIN3.
        run = await w.run(session, token, latchkey.ChallengeType.RESTORE_PIN)
        s = run.screen()
        assert s.is_answer_question() and s.saved_hint == "think of home", s
        assert not s.hint_allowed
        while s.is_answer_question():
            s = await run.submit(Input.ANSWER(answer_for(s.question), None))
        assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.NEW, s
        await run.submit(Input.PIN(PIN3))
        s = await run.submit(Input.PIN(PIN3))
        assert s.is_done(), s
        assert (await run.wait_for_result(5000)).status == latchkey.ChallengeStatus.COMPLETE
        u = await w.admin.get_user(user_id)
        assert u.pin_status == latchkey.CredentialStatus.ENABLED
        assert u.pin_details.failed_attempts == 0

        # ---- the new PIN signs with the same wallet (SIGN_MESSAGE); the old one is refused.
        cid = await w.admin.create_sign_message(token, wallet.id, "Send 5 USDC", False, "memo", None)
        run = await session.run_challenge(cid)
        assert run.challenge_type() == latchkey.ChallengeType.SIGN_MESSAGE
        s = run.screen()
        assert s.is_review_signature(), s
        assert s.review.wallet.address == wallet.address and s.review.memo == "memo"
        assert s.review.details.is_message() and s.review.details.text == "Send 5 USDC"
        s = await latchkey.approve(run)
        assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.CURRENT, s
        s = await run.submit(Input.PIN(PIN2))
        assert s.is_enter_pin() and s.error.kind == latchkey.InputErrorKind.INCORRECT_PIN, s
        assert s.attempts_left == 2
        s = await run.submit(Input.PIN(PIN3))
        assert s.is_done(), s
        sig = latchkey.result_of(s).signature
        assert recover(sig, b"Send 5 USDC") == wallet.address
        c = await run.wait_for_result(5000)
        assert c.status == latchkey.ChallengeStatus.COMPLETE and c.result.signature == sig
        assert await session.pending_challenges() == []
        assert len(await session.challenges()) == 6

    asyncio.run(story())


def recover(signature: str, text: bytes) -> str:
    """The EIP-191 signer of ``text`` (eth-account, independent of the server)."""
    return Account.recover_message(encode_defunct(primitive=text), signature=signature)


async def sign_message(w, session, token, wallet, text: str, pin: str) -> str:
    cid = await w.admin.create_sign_message(token, wallet.id, text, False, None, None)
    run = await session.run_challenge(cid)
    s = run.screen()
    assert s.is_review_signature() and s.review.details.text == text, s
    s = await latchkey.approve(run)
    s = await run.submit(Input.PIN(pin))
    assert s.is_done() and s.result.signature, s
    return s.result.signature


async def set_up_wallet(w, prefix: str, chains):
    user_id, token, session = await w.new_session(prefix)
    cid = await w.admin.create_initialize_with_wallets(token, chains, None, None)
    run = await session.run_challenge(cid)
    assert (await initialize(run, PIN1)).is_done()
    wallets = await session.wallets()
    return user_id, token, session, wallets[0]


def test_rejected_signature_signs_nothing(server):
    async def main():
        w = World(server.base_url)
        _, token, session, wallet = await set_up_wallet(
            w, "py-reject", [latchkey.Blockchain.ETH_SEPOLIA]
        )
        cid = await w.admin.create_sign_message(token, wallet.id, "0x00ff10", True, None, None)
        run = await session.run_challenge(cid)
        s = run.screen()
        assert s.is_review_signature(), s
        d = s.review.details
        assert d.is_message() and d.text is None and d.hex == "0x00ff10" and d.byte_length == 3
        # Back from the PIN returns to the review; then reject.
        assert (await latchkey.approve(run)).is_enter_pin()
        assert (await run.back()).is_review_signature()
        s = await latchkey.reject(run)
        assert s.is_failed() and s.code == 155826, s
        c = await run.wait_for_result(5000)
        assert c.status == latchkey.ChallengeStatus.FAILED and c.error_code == 155826
        assert c.result is None
        with pytest.raises(latchkey.LatchkeyError.InvalidInput) as ei:
            await run.submit(Input.PIN(PIN1))
        assert ei.value.code == 155804
        # Someone else's or an unknown wallet: 155819, nothing created.
        with pytest.raises(latchkey.LatchkeyError.Server) as ei:
            await session.wallet("00000000-0000-4000-8000-000000000000")
        assert ei.value.code == 155819

    asyncio.run(main())


def test_signed_transaction_runs_on_an_evm(server):
    """EIP-1559 through the SDK: review shows the decoded fields, the signed raw transaction is
    accepted by py-evm (eth-tester) from the wallet's address, after funding it."""
    from eth_tester import EthereumTester, PyEVMBackend

    tester = EthereumTester(PyEVMBackend())
    chain_id = tester.backend.chain.chain_id
    funder = tester.get_accounts()[0]
    to = "0x3535353535353535353535353535353535353535"

    async def main():
        w = World(server.base_url)
        _, token, session, wallet = await set_up_wallet(
            w, "py-evm", [latchkey.Blockchain.EVM_TESTNET]
        )
        tester.send_transaction(
            {"from": funder, "to": wallet.address, "value": 10**18, "gas": 21000}
        )
        base_fee = tester.get_block_by_number("latest")["base_fee_per_gas"]
        tx = {
            "chainId": chain_id,
            "nonce": 0,
            "to": to,
            "value": str(10**16),
            "data": "0x",
            "gas": 21000,
            "maxFeePerGas": str(base_fee * 2 + 10**9),
            "maxPriorityFeePerGas": str(10**9),
        }
        cid = await w.admin.create_sign_transaction(
            token, wallet.id, json.dumps(tx), "pay Bob", None
        )
        run = await session.run_challenge(cid)
        s = run.screen()
        assert s.is_review_signature() and s.review.details.is_transaction(), s
        t = s.review.details.transaction
        assert t.chain_id == chain_id and t.to.lower() == to and t.value_wei == str(10**16)
        assert t.value == "0.01 native units" and t.gas_limit == "21000" and t.selector is None
        assert (await latchkey.approve(run)).is_enter_pin()
        s = await run.submit(Input.PIN(PIN1))
        assert s.is_done(), s
        return s.result, wallet.address

    result, address = asyncio.run(main())
    assert Account.recover_transaction(result.signed_transaction) == address
    sent = tester.send_raw_transaction(result.signed_transaction)
    assert sent == result.tx_hash
    receipt = tester.get_transaction_receipt(sent)
    assert receipt["status"] == 1, receipt
    mined = tester.get_transaction_by_hash(sent)
    assert mined["from"].lower() == address.lower() and mined["chain_id"] == chain_id
    assert tester.get_balance(to) == 10**16


def test_errors_tell_the_caller_what_to_do(server):
    async def main():
        w = World(server.base_url)
        with pytest.raises(latchkey.LatchkeyError.InvalidKey) as ei:
            w.client.session("some-token", "not-a-key")
        assert ei.value.code == 155118 and ei.value.detail
        with pytest.raises(latchkey.LatchkeyError.InvalidInput) as ei:
            latchkey.Client(latchkey.ClientConfig(base_url="ftp://nope"))
        assert ei.value.code == 155801
        _, token, session = await w.new_session("py-errors")
        with pytest.raises(latchkey.LatchkeyError.Server) as ei:
            await session.run_challenge("00000000-0000-4000-8000-000000000000")
        assert ei.value.code == 155116
        # A session for a token the server never issued.
        bogus = w.client.session("lk_not_a_real_token", "A" * 43 + "=")
        with pytest.raises(latchkey.LatchkeyError.SessionExpired) as ei:
            await bogus.pending_challenges()
        assert ei.value.code in (155103, 155104, 155105)
        # back() with nothing to go back to; cancel ends the run.
        run = await w.run(session, token, latchkey.ChallengeType.INITIALIZE)
        with pytest.raises(latchkey.LatchkeyError.InvalidInput) as ei:
            await run.back()
        assert ei.value.code == 155815
        s = await run.cancel()
        assert s.is_cancelled(), s
        c = await run.wait_for_result(5000)
        assert c.status == latchkey.ChallengeStatus.FAILED and c.error_code == 155701
        # Unreachable server: Network after retries.
        dead = latchkey.Client(fast_config(latchkey, "http://127.0.0.1:9"))
        s2 = dead.session("tok", "A" * 43 + "=")
        with pytest.raises(latchkey.LatchkeyError.Network) as ei:
            await s2.challenge("abc")
        assert ei.value.code == 155706

    asyncio.run(main())


def test_listener_pushes_every_screen_and_stops(server):
    async def main():
        w = World(server.base_url)
        _, token, session = await w.new_session("py-listen")
        run = await w.run(session, token, latchkey.ChallengeType.INITIALIZE)

        seen: list[latchkey.Screen] = []

        async def collect():
            async for s in latchkey.screens(run):
                seen.append(s)

        task = asyncio.create_task(collect())
        await asyncio.sleep(0.05)
        s = await initialize(run, PIN1)
        assert s.is_done()
        await asyncio.wait_for(task, 5)
        assert seen[0].is_enter_pin(), seen  # the current screen comes first
        assert seen[-1].is_done(), seen
        assert any(x.is_working() for x in seen), seen

        # A cancelled handle stops at once.
        run = await w.run(session, token, latchkey.ChallengeType.CHANGE_PIN)
        got: list[latchkey.Screen] = []

        class L(latchkey.ScreenListener):
            def on_screen(self, screen):
                got.append(screen)

        handle = run.subscribe(L())
        for _ in range(100):
            if got:
                break
            await asyncio.sleep(0.01)
        assert len(got) == 1 and got[0].is_enter_pin()
        assert handle.is_active()
        handle.cancel()
        assert not handle.is_active()
        await run.submit(Input.PIN(WRONG))
        await asyncio.sleep(0.1)
        assert len(got) == 1, got

    asyncio.run(main())


def test_namespace_functions():
    latchkey.noop()
    assert asyncio.run(latchkey.noop_async()) is None
    assert latchkey.sdk_version() == "0.1.0"
    cfg = latchkey.ClientConfig(base_url="http://127.0.0.1:1")
    assert cfg.request_timeout_ms == 15000 and cfg.max_retries == 3 and cfg.user_agent is None
    assert latchkey.Client(cfg).config() == cfg
    assert latchkey.pin_length() == 6
    assert latchkey.error_description(155112) == "The PIN is incorrect."
    assert latchkey.answer_hint(latchkey.QuestionKind.DATE) == "A calendar date as YYYY-MM-DD, e.g. 1994-07-15."
    assert latchkey.blockchain_id(latchkey.Blockchain.ETH_SEPOLIA) == "ETH-SEPOLIA"
    assert latchkey.blockchain_name(latchkey.Blockchain.ARB) == "Arbitrum One"
    cancelled = latchkey.Screen.CANCELLED(latchkey.Progress(step=1, of=2))
    assert latchkey.screen_progress(cancelled) == latchkey.Progress(step=1, of=2)
    assert latchkey.screen_message(cancelled) == "Cancelled by the user."
    assert latchkey.locked_credential(cancelled) is None


CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


async def set_up_recovery_code(run, pin=None) -> list[str]:
    """Walks a SET_RECOVERY_CODE (after the PIN, when ``pin`` is given) or the code part of an
    INITIALIZE with a code: shows the code, a wrong retype, back, then the right groups.
    Returns the code's groups (what the user wrote down)."""
    if pin is not None:
        s = run.screen()
        assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.CURRENT, s
        s = await run.submit(Input.PIN(pin))
    else:
        s = run.screen()
    assert s.is_show_recovery_code(), type(s)  # never print this screen: it holds the code
    groups = list(s.groups)
    assert len(groups) == 7 and all(len(g) == 5 for g in groups)
    assert "Nobody" in s.warning
    assert latchkey.screen_progress(s) == s.progress
    assert latchkey.screen_message(s) is None
    s = await latchkey.code_written_down(run)
    assert s.is_confirm_recovery_code(), s
    asked = list(s.groups)
    assert len(asked) == 2 and 1 <= asked[0] < asked[1] <= 7
    assert run.can_go_back()
    # Groups that were not asked for: refused on the device, nothing sent.
    others = [g for g in range(1, 8) if g not in asked][:2]
    s = await latchkey.enter_recovery_code(run, " ".join(groups[g - 1] for g in others))
    assert s.is_confirm_recovery_code() and s.error is not None, s
    assert s.error.kind == latchkey.InputErrorKind.RECOVERY_CODE_MISMATCH
    assert s.error.code == 155869
    # Back shows the same code again.
    s = await run.back()
    assert s.is_show_recovery_code() and list(s.groups) == groups
    s = await latchkey.code_written_down(run)
    s = await latchkey.enter_recovery_code(
        run, "-".join(groups[g - 1].lower() for g in s.groups)
    )
    assert s.is_done(), s
    assert (await run.wait_for_result(5000)).status == latchkey.ChallengeStatus.COMPLETE
    return groups


def test_recovery_code_set_up_and_recover(server):
    """SET_RECOVERY_CODE, then a forgotten PIN recovered with the code (RESTORE_PIN by code):
    a typo is caught on the device, the new PIN works, the old PIN does not, older session
    tokens are revoked, the code is burnt and a new one is set up; and INITIALIZE can set up a
    code as its last steps."""

    async def main():
        w = World(server.base_url)
        user_id, token, session, wallet = await set_up_wallet(
            w, "py-rcode", [latchkey.Blockchain.ETH_SEPOLIA]
        )
        assert (await session.user()).recovery_code_status == latchkey.CredentialStatus.UNSET
        # No code yet: a recovery by code cannot be created.
        with pytest.raises(latchkey.LatchkeyError.Server) as ei:
            await w.admin.create_restore_pin_with_code(token, None)
        assert ei.value.code == 155860

        # ---- set up
        run = await w.run(session, token, latchkey.ChallengeType.SET_RECOVERY_CODE)
        assert run.challenge_type() == latchkey.ChallengeType.SET_RECOVERY_CODE
        groups = await set_up_recovery_code(run, pin=PIN1)
        assert (await session.user()).recovery_code_status == latchkey.CredentialStatus.ENABLED

        # Another device's session, opened before the recovery.
        other = await w.admin.create_user_token(user_id)
        other_session = w.client.session(other.user_token, other.encryption_key)
        assert (await other_session.user()).id == user_id

        # ---- recover (the PIN is "forgotten")
        key = w.admin.new_idempotency_key()
        cid = await w.admin.create_restore_pin_with_code(token, key)
        assert await w.admin.create_restore_pin_with_code(token, key) == cid
        run = await session.run_challenge(cid)
        assert run.challenge_type() == latchkey.ChallengeType.RESTORE_PIN
        s = run.screen()
        assert s.is_enter_recovery_code(), s
        assert (s.groups, s.group_length, s.attempts_left) == (7, 5, 3)
        assert not run.can_go_back()
        # A typo in group 4 is caught on the device and names the group.
        g4 = groups[3]
        swapped = CODE_ALPHABET[(CODE_ALPHABET.index(g4[0]) + 1) % len(CODE_ALPHABET)]
        typo = groups[:3] + [swapped + g4[1:]] + groups[4:]
        s = await latchkey.enter_recovery_code(run, "-".join(typo))
        assert s.is_enter_recovery_code() and s.error is not None, s
        assert s.error.kind == latchkey.InputErrorKind.RECOVERY_CODE_TYPO
        assert (s.error.code, s.error.group) == (155864, 4)
        assert s.attempts_left == 3  # nothing was sent, nothing counted
        s = await latchkey.enter_recovery_code(run, " ".join(groups).lower())
        assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.NEW, s
        await run.submit(Input.PIN(PIN2))
        s = await run.submit(Input.PIN(PIN2))
        assert s.is_done(), s
        assert (await run.wait_for_result(5000)).status == latchkey.ChallengeStatus.COMPLETE

        # Older tokens are revoked; this session goes on.
        with pytest.raises(latchkey.LatchkeyError.SessionExpired):
            await other_session.user()
        u = await session.user()
        assert u.pin_status == latchkey.CredentialStatus.ENABLED
        # The code is burnt: the app asks the user to set up a new one (docs/recovery.md).
        assert u.recovery_code_status == latchkey.CredentialStatus.UNSET
        with pytest.raises(latchkey.LatchkeyError.Server) as ei:
            await w.admin.create_restore_pin_with_code(token, None)
        assert ei.value.code == 155860

        # The new PIN signs; the old one is refused.
        cid = await w.admin.create_sign_message(token, wallet.id, "after recovery", False, None, None)
        run = await session.run_challenge(cid)
        await latchkey.approve(run)
        s = await run.submit(Input.PIN(PIN1))
        assert s.is_enter_pin() and s.error.kind == latchkey.InputErrorKind.INCORRECT_PIN, s
        s = await run.submit(Input.PIN(PIN2))
        assert s.is_done(), s
        assert recover(s.result.signature, b"after recovery") == wallet.address

        # A new code (behind the new PIN) replaces the burnt one.
        run = await w.run(session, token, latchkey.ChallengeType.SET_RECOVERY_CODE)
        new_groups = await set_up_recovery_code(run, pin=PIN2)
        assert new_groups != groups
        assert (await session.user()).recovery_code_status == latchkey.CredentialStatus.ENABLED

        # ---- INITIALIZE that sets up a code as its last steps.
        user2, token2, session2 = await w.new_session("py-rcode-init")
        cid = await w.admin.create_initialize_with_recovery_code(token2, [], None, None)
        run = await session2.run_challenge(cid)
        s = await initialize(run, PIN1)
        assert s.is_show_recovery_code(), type(s)
        assert latchkey.screen_progress(s) == latchkey.Progress(step=8, of=9)
        await set_up_recovery_code(run)
        u = await w.admin.get_user(user2)
        assert u.pin_status == latchkey.CredentialStatus.ENABLED
        assert u.security_question_status == latchkey.CredentialStatus.ENABLED
        assert u.recovery_code_status == latchkey.CredentialStatus.ENABLED

    asyncio.run(main())


class DirectoryCloud(latchkey.CloudStorage):
    """The app's cloud adapter, written in Python: one file per entry in ``path`` (the same
    layout as ``latchkey.directory_storage``). ``fail`` holds the calls that raise next
    ("put", "get", "remove"), each once: a cloud that is full, offline or signed out."""

    def __init__(self, path) -> None:
        self.path = path
        self.fail: list[str] = []
        self.calls: list[str] = []

    def _maybe_fail(self, op: str) -> None:
        self.calls.append(op)
        if op in self.fail:
            self.fail.remove(op)
            raise latchkey.CloudStorageError.Failed(f"injected: {op} failed (quota exceeded)")

    async def put(self, name: str, data: bytes) -> None:
        self._maybe_fail("put")
        await asyncio.sleep(0)  # a real adapter awaits its cloud here
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(self.path / name)

    async def get(self, name: str):
        self._maybe_fail("get")
        p = self.path / name
        return p.read_bytes() if p.exists() else None

    async def remove(self, name: str) -> None:
        self._maybe_fail("remove")
        (self.path / name).unlink(missing_ok=True)

    def entries(self) -> list[str]:
        if not self.path.exists():
            return []
        return sorted(p.name for p in self.path.iterdir() if not p.name.startswith("."))


async def set_up_cloud_backup(w, session, token, storage, pin: str) -> latchkey.Screen:
    key = w.admin.new_idempotency_key()
    cid = await w.admin.create_challenge(token, latchkey.ChallengeType.SET_CLOUD_BACKUP, key)
    async with latchkey.run_with_storage(session, cid, storage) as run:
        assert run.challenge_type() == latchkey.ChallengeType.SET_CLOUD_BACKUP
        s = run.screen()
        assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.CURRENT, s
        # One submit drives the whole set-up: register, write, read back, acknowledge, clean up.
        s = await run.submit(Input.PIN(pin))
        if s.is_cloud_storage_failed():
            assert s.code == 155875 and s.reason.startswith("injected:"), s
            assert latchkey.screen_message(s) == latchkey.error_description(155875)
            assert latchkey.screen_progress(s) == s.progress
            assert latchkey.locked_credential(s) is None
            cancelled = await run.cancel()
            assert cancelled.is_cancelled(), cancelled
            return s
        assert s.is_done(), s
        assert (await run.wait_for_result(5000)).status == latchkey.ChallengeStatus.COMPLETE
        return s


async def recover_with_backup(w, session, token, storage, new_pin: str) -> None:
    cid = await w.admin.create_restore_pin_with_backup(token, None)
    async with latchkey.run_with_storage(session, cid, storage) as run:
        assert run.challenge_type() == latchkey.ChallengeType.RESTORE_PIN
        s = run.screen()
        assert s.is_start_cloud_restore() and s.error is None, s
        s = await run.submit(Input.ACKNOWLEDGE())
        assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.NEW, s
        await run.submit(Input.PIN(new_pin))
        s = await run.submit(Input.PIN(new_pin))
        assert s.is_done(), s
        assert (await run.wait_for_result(5000)).status == latchkey.ChallengeStatus.COMPLETE


def test_cloud_backup_with_a_python_adapter(server, tmp_path):
    """SET_CLOUD_BACKUP with a cloud adapter written in Python, then a forgotten PIN recovered
    with it (the new PIN signs); set-ups that fail mid-way (the adapter raises on the write, or
    on the read-back) leave the previous backup usable; a missing entry is a screen, retried;
    and the Rust directory adapter reads what the Python one wrote."""

    async def main():
        w = World(server.base_url)
        user_id, token, session, wallet = await set_up_wallet(
            w, "py-cloud", [latchkey.Blockchain.ETH_SEPOLIA]
        )
        assert (await session.user()).cloud_backup_status == latchkey.CredentialStatus.UNSET
        with pytest.raises(latchkey.LatchkeyError.Server) as ei:
            await w.admin.create_restore_pin_with_backup(token, None)
        assert ei.value.code == 155871

        cloud = DirectoryCloud(tmp_path / "cloud")
        s = await set_up_cloud_backup(w, session, token, cloud, PIN1)
        assert s.is_done()
        assert cloud.calls[:2] == ["put", "get"], cloud.calls  # the write, then the read-back
        assert (await session.user()).cloud_backup_status == latchkey.CredentialStatus.ENABLED
        first = cloud.entries()
        assert len(first) == 1 and first[0].endswith("-v1"), first

        # ---- failures mid-set-up: the write, then the read-back. Each is cancelled; the
        # backup the user had stays the only entry and stays usable.
        for op in ["put", "get"]:
            cloud.fail = [op]
            s = await set_up_cloud_backup(w, session, token, cloud, PIN1)
            assert s.is_cloud_storage_failed(), s
            assert s.reason == f"injected: {op} failed (quota exceeded)"
            assert cloud.entries() == first, (op, cloud.entries())
        assert (await session.user()).cloud_backup_status == latchkey.CredentialStatus.ENABLED

        # ---- recover with it (the PIN is "forgotten"): the new PIN signs, the old does not.
        await recover_with_backup(w, session, token, cloud, PIN2)
        sig = await sign_message(w, session, token, wallet, "after cloud recovery", PIN2)
        assert recover(sig, b"after cloud recovery") == wallet.address

        # ---- a failed read-back, retried from the screen, completes and replaces the backup.
        cloud.fail = ["get"]
        key = w.admin.new_idempotency_key()
        cid = await w.admin.create_challenge(token, latchkey.ChallengeType.SET_CLOUD_BACKUP, key)
        async with latchkey.run_with_storage(session, cid, cloud) as run:
            s = await run.submit(Input.PIN(PIN2))
            assert s.is_cloud_storage_failed() and s.code == 155875, s
            s = await run.retry()
            assert s.is_done(), s
        second = cloud.entries()
        assert len(second) == 1 and second != first, second

        # ---- the entry is gone from the cloud: a screen, nothing sent; retry once it is back.
        entry = cloud.path / second[0]
        saved = entry.read_bytes()
        entry.unlink()
        cid = await w.admin.create_restore_pin_with_backup(token, None)
        async with latchkey.run_with_storage(session, cid, cloud) as run:
            s = await run.submit(Input.ACKNOWLEDGE())
            assert s.is_no_cloud_backup(), s
            assert "No backup was found" in latchkey.screen_message(s)
            entry.write_bytes(saved)
            s = await run.retry()
            assert s.is_enter_pin() and s.purpose == latchkey.PinPurpose.NEW, s
            assert (await run.cancel()).is_cancelled()

        # ---- the SDK's own directory adapter reads the entries the Python one wrote.
        await recover_with_backup(
            w, session, token, latchkey.directory_storage(str(cloud.path)), PIN3
        )
        sig = await sign_message(w, session, token, wallet, "rust adapter", PIN3)
        assert recover(sig, b"rust adapter") == wallet.address

    asyncio.run(main())


def test_cloud_screens_through_the_namespace_functions():
    p = latchkey.Progress(step=2, of=3)
    failed = Screen.CLOUD_STORAGE_FAILED(p, 155876, "", latchkey.error_description(155876))
    assert latchkey.screen_message(failed) == latchkey.error_description(155876)
    assert latchkey.screen_progress(failed) == p
    assert "No backup was found" in latchkey.screen_message(Screen.NO_CLOUD_BACKUP(p))
    working = Screen.CLOUD_WORKING(p, latchkey.CloudAction.CHECKING)
    assert latchkey.screen_message(working) is None
    assert latchkey.locked_credential(working) is None
    for code in range(155871, 155879):
        assert latchkey.error_description(code) != "Unknown error code.", code
