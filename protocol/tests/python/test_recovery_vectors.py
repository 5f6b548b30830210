"""An independent recovery-code implementation written from docs/protocol.md section 8 alone
(Python `cryptography`), checked against protocol/tests/recovery_vectors.json, which the Rust
implementation checks too (protocol/tests/recovery_vectors.rs)."""
import base64
import json
import pathlib
import struct

import pytest
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_private_key,
)

VECTORS = json.loads((pathlib.Path(__file__).parents[1] / "recovery_vectors.json").read_text())
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
WEIGHTS = [16, 8, 4, 2]


def gf32_mul(a: int, b: int) -> int:
    p = 0
    while b:
        if b & 1:
            p ^= a
        b >>= 1
        a <<= 1
        if a & 0x20:
            a ^= 0x25
    return p & 0x1F


def check_value(group: int, data: list) -> int:
    c = group + 1
    for d, w in zip(data, WEIGHTS):
        c ^= gf32_mul(d, w)
    return c


def code_from_entropy(entropy: bytes) -> str:
    bits = "".join(f"{b:08b}" for b in entropy)[:140]
    data = [int(bits[i : i + 5], 2) for i in range(0, 140, 5)]
    out = ""
    for g in range(7):
        group = data[4 * g : 4 * g + 4]
        out += "".join(ALPHABET[d] for d in group) + ALPHABET[check_value(g, group)]
    return out


def parse(typed: str):
    """Returns the canonical code, or (error, group)."""
    parts = [p for p in typed.replace("-", " ").split() if p]
    if len(parts) == 7:
        for g, p in enumerate(parts):
            if len(p) != 5:
                return ("GROUP_LENGTH", g + 1)
    values = []
    for i, c in enumerate("".join(parts).upper().replace("O", "0").replace("I", "1").replace("L", "1")):
        if c not in ALPHABET:
            return ("INVALID_CHARACTER", min(i // 5, 6) + 1)
        values.append(ALPHABET.index(c))
    if len(values) != 35:
        return ("LENGTH", None)
    for g in range(7):
        grp = values[5 * g : 5 * g + 5]
        if check_value(g, grp[:4]) != grp[4]:
            return ("TYPO", g + 1)
    return "".join(ALPHABET[v] for v in values)


def wrapping_key(code: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"latchkey/v1/recovery-code", info=b"wrapping-key"
    ).derive(code.encode())


def field(s: str) -> bytes:
    raw = s.encode()
    return struct.pack(">H", len(raw)) + raw


def key_aad(method: str, user_id: str, version: int) -> bytes:
    return b"latchkey/v1/recovery-key" + bytes([1]) + field(method) + field(user_id) + struct.pack(">I", version)


def proof_message(challenge_id, method, user_id, version, nonce_b64) -> bytes:
    nonce = base64.b64decode(nonce_b64)
    assert len(nonce) == 32
    return (
        b"latchkey/v1/recovery-proof"
        + bytes([1])
        + field(challenge_id)
        + field(method)
        + field(user_id)
        + struct.pack(">I", version)
        + nonce
    )


@pytest.mark.parametrize("v", VECTORS["codes"], ids=lambda v: v["code"][:5])
def test_code_format_and_key(v):
    code = code_from_entropy(bytes.fromhex(v["entropy"]))
    assert code == v["code"]
    assert "-".join(code[i : i + 5] for i in range(0, 35, 5)) == v["display"]
    assert parse(v["display"].lower()) == code
    assert wrapping_key(code).hex() == v["wrappingKey"]


@pytest.mark.parametrize("v", VECTORS["rejections"], ids=lambda v: v["error"])
def test_rejections_name_the_group(v):
    assert parse(v["input"]) == (v["error"], v.get("group"))


def test_wrap_and_proof():
    w = VECTORS["wrap"]
    aad = key_aad(w["method"], w["userId"], w["version"])
    assert aad.hex() == w["associatedData"]
    key = wrapping_key(w["code"])
    raw = base64.b64decode(w["wrappedKey"])
    assert raw[0] == 1
    sealed = AESGCM(key).encrypt(bytes.fromhex(w["nonce"]), bytes.fromhex(w["pkcs8"]), aad)
    assert bytes([1]) + bytes.fromhex(w["nonce"]) + sealed == raw
    pkcs8 = AESGCM(key).decrypt(raw[1:13], raw[13:], aad)
    # Another user, or a flipped byte: authentication fails.
    with pytest.raises(InvalidTag):
        AESGCM(key).decrypt(raw[1:13], raw[13:], key_aad(w["method"], "mallory-01", w["version"]))
    bad = bytearray(raw)
    bad[40] ^= 1
    with pytest.raises(InvalidTag):
        AESGCM(key).decrypt(bytes(bad[1:13]), bytes(bad[13:]), aad)

    p = VECTORS["proof"]
    private = load_der_private_key(pkcs8, password=None)
    public = private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    assert base64.b64encode(public).decode() == p["publicKey"]
    msg = proof_message(p["challengeId"], p["method"], p["userId"], p["version"], p["nonce"])
    assert msg.hex() == p["message"]
    sig = base64.b64decode(p["signature"])
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    private.public_key().verify(der, msg, ec.ECDSA(hashes.SHA256()))
    other = proof_message("another-challenge", p["method"], p["userId"], p["version"], p["nonce"])
    with pytest.raises(InvalidSignature):
        private.public_key().verify(der, other, ec.ECDSA(hashes.SHA256()))
