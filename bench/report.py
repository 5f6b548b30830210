#!/usr/bin/env python3
"""Prints the benchmark tables (with targets and ratios) from scripts/bench.sh's results.txt.

Lines are `key=value ...`, or `prefix: key=value ...` (keys become `prefix.key`), or
`round_trips NAME key=value ...` (keys become `round_trips.NAME.key`).
"""
import sys


def parse(path):
    v = {}
    for line in open(path, encoding="utf-8"):
        words = line.split()
        if not words:
            continue
        prefix = ""
        if words[0].endswith(":"):
            prefix, words = words[0][:-1] + ".", words[1:]
        elif words[0] == "round_trips" and len(words) > 1:
            prefix, words = f"round_trips.{words[1]}.", words[2:]
        elif words[0] == "LK":
            words = words[1:]
        for w in words:
            if "=" in w:
                k, _, val = w.partition("=")
                k = prefix + k
                # FFI_CALL_ROUNDS prints each `ffi*_ns` line once per round: keep the best.
                if k.startswith("ffi") and k.endswith("_ns") and k in v:
                    try:
                        val = str(min(float(v[k]), float(val)))
                    except ValueError:
                        pass
                v[k] = val
    return v


def num(v, k):
    try:
        return float(v[k])
    except (KeyError, ValueError):
        return None


def row(cols, widths):
    return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cols, widths)) + " |"


def table(title, header, rows):
    print(f"\n{title}\n")
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    print(row(header, widths))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(row(r, widths))


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def main():
    v = parse(sys.argv[1])
    print(f"measured {v.get('date', '?')} on {v.get('cores', '?')} cores, "
          f"{v.get('mem_gib', '?')} GiB; load average at start {v.get('load', '?')}, "
          f"at end {v.get('load_at_end', '?')}")

    rows = []
    for k, label in [("envelope_seal", "envelope seal"), ("envelope_open", "envelope open"),
                     ("pin_check_ok", "PIN check (valid)"),
                     ("pin_check_sequential", "PIN check (123456, refused)"),
                     ("answer_normalize_text", "answer normalise (text)"),
                     ("answer_normalize_date", "answer normalise (date)"),
                     ("answer_check_hint", "hint check"),
                     ("flow_change_pin_whole", "whole CHANGE_PIN flow"),
                     ("flow_restore_pin_whole", "whole RESTORE_PIN flow")]:
        ns = num(v, f"core_{k}_ns")
        if ns is None:
            continue
        target = ratio = ""
        status = ""
        if k == "flow_change_pin_whole":
            target, ratio, status = "<= 20 us", f"{ns / 20000:.3f}x of target", verdict(ns <= 20000)
        rows.append([label, f"{ns / 1000:.3f} us", target, ratio, status])
    if rows:
        table("Core (criterion, mean)", ["bench", "time", "target", "ratio", ""], rows)

    lib, floor = num(v, "size_liblatchkey_strip_x"), num(v, "size_liblatchkey_size_floor_strip_x")
    if lib and floor:
        rows = []
        for strip in ["unstripped", "strip_x", "strip_all"]:
            a, b = num(v, f"size_liblatchkey_{strip}"), num(v, f"size_liblatchkey_size_floor_{strip}")
            rows.append([strip, f"{a:,.0f}", f"{b:,.0f}", f"{a / b:.3f}",
                         verdict(a / b <= 1.30) if strip != "unstripped" else ""])
        for strip in ["unstripped", "strip_x", "strip_all"]:
            a = num(v, f"size_arm64_liblatchkey_{strip}")
            b = num(v, f"size_arm64_liblatchkey_size_floor_{strip}")
            if a and b:
                rows.append([f"aarch64 {strip}", f"{a:,.0f}", f"{b:,.0f}", f"{a / b:.3f}", ""])
        table("Library size (release-small; target <= 1.30x the floor)",
              ["variant", "liblatchkey.so bytes", "floor bytes", "ratio", ""], rows)

    single = num(v, "argon2_single_ms_min")
    median = num(v, "argon2_single_ms_median")
    for db in ["sqlite", "postgres"]:
        sat = num(v, f"verify_sat_{db}.rps")
        if sat is None:
            continue
        exp = num(v, f"verify_sat_{db}.expected_rps")
        rows = [["Argon2id single-core verification (min / median of 30)",
                 f"{single:.2f} / {median:.2f} ms", "", ""],
                ["ceiling = cores / min single-core time", f"{exp:.2f}/s", "", ""],
                ["server verifications/s (saturated, CURRENT_PIN steps)", f"{sat:.2f}/s",
                 f"{sat / exp:.3f} (>= 0.85)", verdict(sat / exp >= 0.85)],
                ["  errors / non-200", v.get(f"verify_sat_{db}.errors", "?"), "", ""]]
        sign = num(v, f"sign_sat_{db}.rps")
        if sign is not None:
            rows += [["PIN-gated EIP-191 signatures/s (saturated, SIGN_MESSAGE COMPLETE steps)",
                      f"{sign:.2f}/s", f"{sign / sat:.3f} of verifications/s", ""],
                     ["  errors / non-200", v.get(f"sign_sat_{db}.errors", "?"), "", ""]]
        # The raw figure taken just before this database's saturated run, when present.
        par_alloc = num(v, f"{db}_argon2_parallel_rps") or num(v, "argon2_parallel_rps")
        par_reuse = num(v, f"{db}_argon2_parallel_reuse_rps") or num(v, "argon2_parallel_reuse_rps")
        par = max(x for x in [par_alloc, par_reuse, 0] if x is not None)
        if par:
            threads = v.get('argon2_parallel_threads')
            rows.insert(2, [f"raw Argon2id on {threads} threads at once (no server; best of allocating "
                            f"{par_alloc or 0:.2f}/s and reused memory {par_reuse or 0:.2f}/s)",
                            f"{par:.2f}/s", f"{par / exp:.3f} of ceiling", ""])
            rows.insert(4, ["  server / raw parallel Argon2id", "", f"{sat / par:.3f} (>= 0.95)",
                            verdict(sat / par >= 0.95)])
        tr = num(v, f"verify_rate_{db}.target_rps")
        if tr is not None:
            p99 = num(v, f"verify_rate_{db}.p99_ms")
            one = num(v, "argon2_single_reuse_ms_min") or single
            rows += [[f"at 70% ({tr:.2f}/s offered): achieved", f"{num(v, f'verify_rate_{db}.rps'):.2f}/s", "", ""],
                     ["  p50 latency", f"{v.get(f'verify_rate_{db}.p50_ms')} ms", "", ""],
                     ["  p99 latency (vs one verification, single-core min)", f"{p99} ms",
                      f"{p99 / one:.2f}x (<= 2x)", verdict(p99 / one <= 2.0)]]
        for ep, label in [("challenge", "GET /v1/user/challenges/{id}"),
                          ("descriptor", "GET /v1/user/challenges/{id}/descriptor"),
                          ("user", "GET /v1/users/{id} (API key)"),
                          ("health", "GET /v1/health (no DB; ceiling)")]:
            rps = num(v, f"read_{ep}_{db}_rps")
            if rps is None:
                continue
            non = v.get(f"read_{ep}_{db}_non2xx", "0")
            target = f"{rps / 10000:.3f} (>= 1.0)" if ep != "health" else ""
            rows.append([f"{label} req/s", f"{rps:,.0f}/s (p99 {v.get(f'read_{ep}_{db}_p99')}, non-2xx {non})",
                         target, verdict(rps >= 10000) if ep != "health" else ""])
        table(f"Server on {db} (release binary, wrk on the same 2 cores)",
              ["measure", "value", "ratio (target)", ""], rows)

    rows = []
    for flow in ["CHANGE_PIN", "RESTORE_PIN"]:
        n = num(v, f"round_trips.{flow}.before_poll")
        if n is None:
            continue
        rows.append([flow, f"{n:.0f}", v.get(f"round_trips.{flow}.poll", "?"), "<= 3",
                     verdict(n <= 3)])
    if rows:
        table("Round trips per flow (server request log)",
              ["flow", "requests before poll", "poll requests", "target", ""], rows)

    rows = []
    for lang in ["python", "kotlin"]:
        # `ffi_baseline_*`: an older library measured in the same run (FFI_BASELINE_LIB).
        for prefix, label in [("ffi_baseline", f"{lang} (baseline)"), ("ffi", lang)]:
            noop, sub = num(v, f"{prefix}_{lang}_noop_ns"), num(v, f"{prefix}_{lang}_submit_ns")
            if noop is None or sub is None:
                continue
            # The floors beside it: uniffi's async protocol alone, and the synchronous
            # `screen()` lifting the same record (absent in results from before they existed).
            floors = [num(v, f"{prefix}_{lang}_{k}_ns") for k in ("noop_async", "screen")]
            rows.append([label, f"{noop:,.0f} ns"]
                        + [f"{f:,.0f} ns ({f / noop:.1f}x)" if f else "-" for f in floors]
                        + [f"{sub:,.0f} ns", f"{sub / noop:.1f}x", verdict(sub / noop <= 5)])
    if rows:
        table("FFI call cost (submit of a locally refused PIN vs noop; target <= 5x)",
              ["language", "noop", "noop_async", "screen()", "submit", "ratio", ""], rows)
    rows = []
    for i in range(1, 10):
        bare, kt = num(v, f"net_r{i}_bare_p50_us"), num(v, f"net_r{i}_kotlin_p50_us")
        if bare is None or kt is None:
            continue
        bm, km = num(v, f"net_r{i}_bare_mean_us"), num(v, f"net_r{i}_kotlin_mean_us")
        rows.append([str(i), f"{bare:,.0f} / {bm:,.0f} us", f"{kt:,.0f} / {km:,.0f} us",
                     f"{kt - bare:+,.0f} / {km - bm:+,.0f} us", verdict(kt - bare <= 100)])
    if rows:
        table("SDK overhead on a network step (Kotlin submit vs bare reqwest; target <= 100 us)",
              ["round", "bare p50 / mean", "kotlin p50 / mean", "difference", ""], rows)
    elif "ffi" in open(sys.argv[1], encoding="utf-8").read():
        print("\nFFI: see results.txt")


if __name__ == "__main__":
    main()
