"""Creates a user, a session and an initialized PIN on a running latchkey-server, for the
schemathesis smoke run. Prints the token reply (JSON) on stdout. Standard library only, so
sealing is not available: the user gets a session without a PIN (enough for every call to
reach its handler; PIN-requiring calls answer 155110, which is in the schema)."""
import json
import sys
import urllib.request

base, api_key, user_id = sys.argv[1], sys.argv[2], sys.argv[3]


def call(method, path, body):
    req = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + api_key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


call("POST", "/v1/users", {"userId": user_id})
print(json.dumps(call("POST", "/v1/users/token", {"userId": user_id})["data"]))
