#!/usr/bin/env python3
"""Check a uniffi-generated C FFI header against the built library.

Usage: check_ffi_header.py HEADER LIBRARY [--modulemap MODULEMAP]

1. The header must compile on its own with ``gcc -fsyntax-only`` (C11, -Wall -Wextra -Werror
   -pedantic) and with ``g++ -fsyntax-only`` (C++17). uniffi emits clang nullability qualifiers
   (``_Nonnull``, ``_Nullable``) that gcc does not know; they are pure annotations, so they are
   defined away with ``-D``.
2. Every function the header declares (``uniffi_*`` / ``ffi_*``) must be exported by LIBRARY,
   per ``nm -D --defined-only``.
3. With --modulemap: the module map must name the header file.
Exit status 0 when everything holds, 1 otherwise.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

NULLABILITY = ["-D_Nonnull=", "-D_Nullable=", "-D_Null_unspecified="]
COMPILERS = [
    ["gcc", "-fsyntax-only", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-x", "c"],
    ["g++", "-fsyntax-only", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-x", "c++"],
]
# A declaration starts at the beginning of a line: return type, then the function name.
DECL = re.compile(r"^(?!typedef\b)[A-Za-z_][\w \t\*]*?\b((?:uniffi|ffi)_\w+)\s*\(", re.MULTILINE)


def declared_functions(header_text: str) -> set[str]:
    """Names of the functions declared in the header (typedefs excluded)."""
    return set(DECL.findall(header_text))


def exported_symbols(library: Path) -> set[str]:
    """Names of the dynamic symbols LIBRARY defines."""
    out = subprocess.run(
        ["nm", "-D", "--defined-only", str(library)], check=True, capture_output=True, text=True
    ).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def compile_header(header: Path) -> list[str]:
    """Compile the header with gcc and g++; return error messages."""
    errors = []
    for cc in COMPILERS:
        r = subprocess.run(
            [*cc, *NULLABILITY, f"-I{header.parent}", "-"],
            input=f'#include "{header.name}"\n',
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            errors.append(f"{cc[0]} -fsyntax-only failed on {header}:\n{r.stderr}")
    return errors


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("header", type=Path)
    ap.add_argument("library", type=Path)
    ap.add_argument("--modulemap", type=Path)
    args = ap.parse_args(argv)

    errors = compile_header(args.header)
    declared = declared_functions(args.header.read_text())
    if not declared:
        errors.append(f"{args.header}: no uniffi_*/ffi_* function declarations found")
    missing = sorted(declared - exported_symbols(args.library))
    errors.extend(f"{args.library}: does not export {name}" for name in missing)
    if args.modulemap is not None:
        if f'header "{args.header.name}"' not in args.modulemap.read_text():
            errors.append(f"{args.modulemap}: does not name header {args.header.name}")

    for e in errors:
        print(e, file=sys.stderr)
    print(f"check_ffi_header: {len(declared)} declared function(s), {len(missing)} missing export(s), "
          f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
