"""Creates a user, a session and a SET_PIN challenge for the FFI bench over the developer API
with plain HTTP (the measured library is the device build, which has no `AdminClient`).

Usage: python3 setup.py BASE_URL API_KEY   -> prints `USER_TOKEN ENCRYPTION_KEY CHALLENGE_ID`
Also importable: `setup(base, api_key) -> (user_token, encryption_key, challenge_id)`.
"""

from __future__ import annotations

import json
import sys
import urllib.request
import uuid


def _call(base: str, method: str, path: str, body: dict, headers: dict) -> dict:
    req = urllib.request.Request(
        base.rstrip("/") + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"content-type": "application/json", **headers},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        reply = json.load(r)
    return reply.get("data", reply)


def setup(base: str, api_key: str) -> tuple[str, str, str]:
    auth = {"authorization": f"Bearer {api_key}"}
    user_id = "bench-ffi-" + uuid.uuid4().hex[:10]
    _call(base, "POST", "/v1/users", {"userId": user_id}, auth)
    tok = _call(base, "POST", "/v1/users/token", {"userId": user_id}, auth)
    cid = _call(
        base,
        "POST",
        "/v1/user/pin",
        {"idempotencyKey": str(uuid.uuid4())},
        {**auth, "x-user-token": tok["userToken"]},
    )["challengeId"]
    return tok["userToken"], tok["encryptionKey"], cid


if __name__ == "__main__":
    print(*setup(sys.argv[1], sys.argv[2]))
