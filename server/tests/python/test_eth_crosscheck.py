"""Independent cross-check of the server's Ethereum signing with eth-account.

Reads server/tests/vectors/eth_crosscheck.json (generated and kept current by
server/tests/eth_crosscheck.rs) and, for every case, has eth-account sign the same request with the
same test key: the signature, raw transaction and transaction hash must be byte-identical (both
sides use RFC 6979 deterministic nonces and low-s), the signer must recover to the wallet's
address, and the canonical signRequest must mean the same thing as the original input.

Also runs the server's signed transactions on a real EVM (eth-tester + py-evm): the wallet is
funded in genesis and a transfer, a contract creation and a call with an access list must succeed.

Run: target/py/bin/python -m pytest -q server/tests/python
"""

import hashlib
import json
import pathlib

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

VECTORS = pathlib.Path(__file__).resolve().parents[1] / "vectors" / "eth_crosscheck.json"
CASES = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]


def _id(case):
    return f"{case['kind']}-{case['address'][:10]}"


def _hex(b):
    return "0x" + bytes(b).hex()


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_address_and_review_digest(case):
    assert Account.from_key(case["key"]).address == case["address"]
    digest = hashlib.sha256(b"latchkey-review-v1\0" + case["signRequest"].encode("utf-8")).hexdigest()
    assert digest == case["reviewDigest"]


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "MESSAGE"], ids=_id)
def test_personal_sign(case):
    inp = case["input"]
    if inp["encodedByHex"]:
        signable = encode_defunct(hexstr=inp["message"])
    else:
        signable = encode_defunct(text=inp["message"])
    signed = Account.sign_message(signable, private_key=case["key"])
    sig = case["result"]["signature"]
    assert _hex(signed.signature) == sig
    assert sig[-2:] in ("1b", "1c")
    assert Account.recover_message(signable, signature=sig) == case["address"]
    req = json.loads(case["signRequest"])
    assert req["kind"] == "MESSAGE" and req["encodedByHex"] == inp["encodedByHex"]


def _from_canonical_typed(data):
    """The canonical form keeps domain.chainId as a decimal string; eth-account wants an int."""
    data = json.loads(json.dumps(data))
    if "chainId" in data["domain"]:
        data["domain"]["chainId"] = int(data["domain"]["chainId"])
    return data


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "TYPED_DATA"], ids=_id)
def test_typed_data(case):
    original = case["input"]["data"]
    signable = encode_typed_data(full_message=original)
    signed = Account.sign_message(signable, private_key=case["key"])
    sig = case["result"]["signature"]
    assert _hex(signed.signature) == sig
    assert Account.recover_message(signable, signature=sig) == case["address"]
    # The canonical text (what the user reviews) hashes to the same EIP-712 digest.
    canonical = json.loads(case["signRequest"])["data"]
    again = encode_typed_data(full_message=_from_canonical_typed(canonical))
    assert Account.recover_message(again, signature=sig) == case["address"]


def _tx_from_canonical(t):
    tx = {
        "type": 2,
        "chainId": t["chainId"],
        "nonce": int(t["nonce"]),
        "value": int(t["value"]),
        "data": t["data"],
        "gas": int(t["gas"]),
        "maxFeePerGas": int(t["maxFeePerGas"]),
        "maxPriorityFeePerGas": int(t["maxPriorityFeePerGas"]),
        "accessList": [
            {"address": e["address"], "storageKeys": e["storageKeys"]} for e in t["accessList"]
        ],
    }
    if t["to"] is not None:
        tx["to"] = t["to"]
    return tx


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "TRANSACTION"], ids=_id)
def test_transaction(case):
    canonical = json.loads(case["signRequest"])["transaction"]
    signed = Account.sign_transaction(_tx_from_canonical(canonical), case["key"])
    assert _hex(signed.raw_transaction) == case["result"]["signedTransaction"]
    assert _hex(signed.hash) == case["result"]["txHash"]
    assert Account.recover_transaction(case["result"]["signedTransaction"]) == case["address"]
    # The canonical form means the original request: compare field by field.
    orig = case["input"]["transaction"]

    def num(v):
        return int(v, 0) if isinstance(v, str) else v

    assert canonical["chainId"] == num(orig["chainId"])
    assert int(canonical["nonce"]) == num(orig["nonce"])
    assert int(canonical["value"]) == num(orig.get("value", 0))
    assert canonical["data"] == orig.get("data", "0x").lower()
    assert int(canonical["gas"]) == num(orig["gas"])
    assert int(canonical["maxFeePerGas"]) == num(orig["maxFeePerGas"])
    assert int(canonical["maxPriorityFeePerGas"]) == num(orig["maxPriorityFeePerGas"])
    assert (canonical["to"] or "").lower() == (orig.get("to") or "").lower()


EVM = json.loads(VECTORS.read_text(encoding="utf-8"))["evm"]


def test_signed_transactions_run_on_a_real_evm():
    """eth-tester + py-evm: fund the wallet in genesis, send the server's raw transactions."""
    from eth_tester import EthereumTester, PyEVMBackend
    from eth_utils import to_canonical_address

    state = PyEVMBackend.generate_genesis_state(num_accounts=1)
    state[to_canonical_address(EVM["address"])] = {
        "balance": 10**20,
        "nonce": 0,
        "code": b"",
        "storage": {},
    }
    tester = EthereumTester(PyEVMBackend(genesis_state=state))
    assert tester.backend.chain.chain_id == EVM["chainId"]
    for tx in EVM["transactions"]:
        sent = tester.send_raw_transaction(tx["result"]["signedTransaction"])
        assert sent == tx["result"]["txHash"]
        receipt = tester.get_transaction_receipt(sent)
        assert receipt["status"] == 1, receipt
        mined = tester.get_transaction_by_hash(sent)
        assert mined["from"].lower() == EVM["address"].lower()
        assert mined["chain_id"] == EVM["chainId"]
        tx_type = mined["type"]
        assert (int(tx_type, 0) if isinstance(tx_type, str) else tx_type) == 2
        assert mined["nonce"] == int(json.loads(tx["signRequest"])["transaction"]["nonce"])
    assert tester.get_balance("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB") == 10**18
    assert tester.get_nonce(EVM["address"]) == 3
    created = tester.get_transaction_receipt(EVM["transactions"][1]["result"]["txHash"])
    assert created["contract_address"].lower() == EVM["contract"].lower()
    out = tester.call({"from": EVM["address"], "to": EVM["contract"], "data": "0x"})
    assert int.from_bytes(bytes(out) if not isinstance(out, str) else bytes.fromhex(out[2:]), "big") == 42
