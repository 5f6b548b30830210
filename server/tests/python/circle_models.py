"""Deserialises Latchkey's /v1/w3s replies into Circle's own generated models.

Run by server/tests/w3s.rs (``circle_models``) with a JSON file of ``[{"model", "body"}]``
recorded from a live server: every body must load into the named model of Circle's Python SDK
(``circle-user-controlled-wallets``, pinned in scripts/requirements-test.txt) without error, and
the fields Circle's models define must survive the round trip (nothing Circle reads is lost).

Usage: target/py/bin/python server/tests/python/circle_models.py replies.json
"""

import json
import sys

from circle.web3 import user_controlled_wallets as ucw


def _strip_extras(model, body):
    """The body restricted to what the model serialises back (Circle's view of it)."""
    return json.loads(model.to_json())


def main(path):
    cases = json.load(open(path, encoding="utf-8"))
    for case in cases:
        name, body = case["model"], case["body"]
        cls = getattr(ucw, name)
        model = cls.from_dict(body)
        if model is None:
            raise SystemExit(f"{name}: no model from {body!r}")
        back = _strip_extras(model, body)
        # Every field Circle's model kept must equal what the server sent.
        def same(a, b, where):
            if isinstance(a, dict):
                for k, v in a.items():
                    if k not in b:
                        raise SystemExit(f"{name}: {where}.{k} invented by the model")
                    same(v, b[k], f"{where}.{k}")
            elif isinstance(a, list):
                if len(a) != len(b):
                    raise SystemExit(f"{name}: {where} length differs")
                for i, (x, y) in enumerate(zip(a, b)):
                    same(x, y, f"{where}[{i}]")
            elif isinstance(a, str) and isinstance(b, str) and a != b:
                # Dates come back reformatted (+00:00 for Z); compare the instant.
                from datetime import datetime

                try:
                    da = datetime.fromisoformat(a.replace("Z", "+00:00"))
                    db = datetime.fromisoformat(b.replace("Z", "+00:00"))
                except ValueError:
                    raise SystemExit(f"{name}: {where} {a!r} != {b!r}")
                if da != db:
                    raise SystemExit(f"{name}: {where} {a!r} != {b!r}")
            elif not isinstance(a, str) and a != b:
                raise SystemExit(f"{name}: {where} {a!r} != {b!r}")

        same(back, body, name)
    print(f"Circle's models accepted {len(cases)} replies")


if __name__ == "__main__":
    main(sys.argv[1])
