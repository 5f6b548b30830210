"""An independent envelope implementation written from docs/protocol.md alone (Python
`cryptography`), checked against the shared vectors. If this and the Rust tests both pass, the
document is enough to write a compatible client in another language."""
import base64
import json
import pathlib
import struct

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VECTORS = json.loads((pathlib.Path(__file__).parents[1] / "vectors.json").read_text())


def associated_data(challenge_id: str, challenge_type: str, step: str) -> bytes:
    out = b"latchkey/v1/envelope" + bytes([1])
    for field in (challenge_id, challenge_type, step):
        raw = field.encode()
        out += struct.pack(">H", len(raw)) + raw
    return out


def challenge_key(encryption_key: str, challenge_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"latchkey/v1/envelope-key",
        info=challenge_id.encode(),
    ).derive(base64.b64decode(encryption_key))


def seal(v: dict, nonce: bytes) -> str:
    key = challenge_key(v["encryptionKey"], v["challengeId"])
    aad = associated_data(v["challengeId"], v["challengeType"], v["step"])
    ct = AESGCM(key).encrypt(nonce, v["plaintext"].encode(), aad)
    return base64.b64encode(bytes([1]) + nonce + ct).decode()


def open_envelope(v: dict, envelope: str, step: str) -> bytes:
    raw = base64.b64decode(envelope)
    assert raw[0] == 1
    key = challenge_key(v["encryptionKey"], v["challengeId"])
    aad = associated_data(v["challengeId"], v["challengeType"], step)
    return AESGCM(key).decrypt(raw[1:13], raw[13:], aad)


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(v):
    assert associated_data(v["challengeId"], v["challengeType"], v["step"]).hex() == v["aadHex"]
    assert seal(v, bytes.fromhex(v["nonceHex"])) == v["envelope"]
    assert open_envelope(v, v["envelope"], v["step"]) == v["plaintext"].encode()


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
def test_relocated_envelope_fails(v):
    with pytest.raises(InvalidTag):
        open_envelope(v, v["envelope"], "SOME_OTHER_STEP")
