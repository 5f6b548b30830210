#!/usr/bin/env python3
"""Symbol bytes by crate (and ELF section sizes) for one or two unstripped shared libraries.

    python3 bench/size_by_crate.py LIB.so                 # one library
    python3 bench/size_by_crate.py BEFORE.so AFTER.so     # side by side, sorted by difference

Uses `nm -S -C` (demangled, with sizes; code and data symbols, local ones included, so it needs
the unstripped library) and `size -A`. A symbol is charged to the first path segment of its
demangled name after leading `<`, `&`, `mut `, `dyn `, `*const `/`*mut `: `<T as Trait>::f` goes
to `T`'s crate. C symbols of ring (`ring_core_*`) count as `ring`; other names without a path
as `[C/other]`. Bytes outside any sized symbol (`.eh_frame`, relocations, the dynamic symbol
table, padding) show only in the section table.
"""
import collections
import re
import subprocess
import sys

SKIP = re.compile(r"^(?:<|&|mut |dyn |\*const |\*mut |\(|\[)+")


def crate_of(name: str) -> str:
    n = SKIP.sub("", name)
    if n.startswith("ring_core_") or n.startswith("GFp_") or n.startswith("LIMBS_"):
        return "ring"
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", n)
    if m:
        return m.group(1)
    return "[C/other]"


def by_crate(lib: str):
    out = subprocess.run(["nm", "-S", "-C", "--size-sort", lib], check=True,
                         capture_output=True, text=True).stdout
    sizes = collections.Counter()
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4:
            continue
        sizes[crate_of(parts[3])] += int(parts[1], 16)
    return sizes


def sections(lib: str):
    out = subprocess.run(["size", "-A", lib], check=True, capture_output=True, text=True).stdout
    s = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            s[parts[0]] = int(parts[1])
    return s


def table(title, rows, libs):
    print(f"\n{title}\n")
    if len(libs) == 1:
        print("| name | bytes |\n|---|---|")
        for k, a in rows:
            print(f"| `{k}` | {a[0]:,} |")
    else:
        print("| name | before | after | difference |\n|---|---|---|---|")
        for k, a in rows:
            print(f"| `{k}` | {a[0]:,} | {a[1]:,} | {a[1] - a[0]:+,} |")


def main():
    libs = sys.argv[1:]
    if not 1 <= len(libs) <= 2:
        sys.exit(__doc__)
    crates = [by_crate(x) for x in libs]
    keys = set().union(*crates)
    rows = [(k, [c.get(k, 0) for c in crates]) for k in keys]
    if len(libs) == 1:
        rows.sort(key=lambda r: -r[1][0])
    else:
        rows.sort(key=lambda r: (-abs(r[1][1] - r[1][0]), -r[1][1]))
    rows = [r for r in rows if max(r[1]) >= 1000][:40]
    rows.append(("all symbols", [sum(c.values()) for c in crates]))
    table("Symbol bytes by crate (nm -S -C)", rows, libs)
    secs = [sections(x) for x in libs]
    keys = [k for k in secs[-1] if max(s.get(k, 0) for s in secs) >= 1000]
    srows = [(k, [s.get(k, 0) for s in secs]) for k in keys]
    table("ELF sections (size -A)", srows, libs)


if __name__ == "__main__":
    main()
