#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets from the repository's real test vectors into
fuzz/corpus/<target>/seed-*. scripts/fuzz-long.sh merges them into the minimised corpus (a
seed that adds no coverage is dropped there). Run from anywhere: python3 fuzz/seeds.py"""
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def js(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode()


eth = json.load(open(os.path.join(ROOT, "server/tests/vectors/eth_crosscheck.json")))
txs = [c["input"]["transaction"] for c in eth["cases"] if c["kind"] == "TRANSACTION"]
txs += [t["input"]["transaction"] for t in eth["evm"]["transactions"]]
for c in eth["cases"]:
    i = c["input"]
    if c["kind"] == "MESSAGE":
        sel = 1 if i["encodedByHex"] else 0
        put("eth_message", bytes([sel]) + i["message"].encode())
        put("eth_message", bytes([sel | 4]) + i["message"].encode())
        put("review_decode", bytes([0]) + c["signRequest"].encode())
    elif c["kind"] == "TYPED_DATA":
        put("eth_typed_data", bytes([0x01]) + js(i["data"]))
        put("eth_typed_data", bytes([0x02]) + js(js(i["data"]).decode()))
        put("eth_typed_data", bytes([0x23]) + js(i["data"]))
        put("review_decode", bytes([1]) + c["signRequest"].encode())
    else:
        put("review_decode", bytes([2]) + c["signRequest"].encode())
for t in txs:
    chain = t.get("chainId")
    # selector low bits: 0 ETH-SEPOLIA, 1 ETH, 2 EVM-TESTNET (any chain), 3 BASE
    sel = {11155111: 0, 1: 1, 8453: 3}.get(chain, 2)
    put("eth_transaction", bytes([sel | 4 | 8]) + js(t))
    put("eth_transaction", bytes([2 | 8 | 0x20]) + js(js(t).decode()))

rec = json.load(open(os.path.join(ROOT, "protocol/tests/recovery_vectors.json")))
for c in rec["codes"]:
    ent = bytes.fromhex(c["entropy"])
    for op in range(4):
        put("recovery_code", ent + bytes([op, 7, 9]) + c["display"].encode())
    put("recovery_code", ent + bytes([0, 0, 0]) + c["code"].lower().encode())
for r in rec["rejections"]:
    put("recovery_code", bytes(18) + bytes([1, 3, 5]) + r["input"].encode())
    put("input_rules", r["input"].encode())

entry = b"LKB1" + bytes(range(32))
put("backup_entry", bytes([0]) + entry)
put("backup_entry", bytes([4]) + b"LKB2" + bytes(range(32)))
put("backup_entry", bytes([1]) + rec["wrap"]["wrappedKey"].encode())
put("backup_entry", bytes([2]) + bytes(range(32)) + bytes.fromhex(rec["wrap"]["pkcs8"]))
p = rec["proof"]
put("backup_entry", bytes([3]) + "\n".join([p["publicKey"], p["signature"], p["nonce"]]).encode())

import base64
for v in json.load(open(os.path.join(ROOT, "protocol/tests/vectors.json"))):
    key = base64.b64decode(v["encryptionKey"])
    # envelope_open: 32 key bytes, a mode byte, then the envelope text (mode 0) or a plaintext
    # to seal (mode 1).
    put("envelope_open", key + b"\x00" + v["envelope"].encode())
    put("envelope_open", key + b"\x01" + v["plaintext"].encode())
    put("wire_json", bytes([6]) + v["plaintext"].encode())
