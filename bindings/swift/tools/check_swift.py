#!/usr/bin/env python3
"""Syntax-check Swift sources with tree-sitter-swift (no Swift toolchain needed).

Usage: check_swift.py PATH [PATH ...]

Every PATH is a ``.swift`` file or a directory searched recursively for ``.swift`` files.
Each file is parsed with the tree-sitter Swift grammar; any ERROR or MISSING node is reported
as ``file:line:col: message`` and the exit status is 1. Exit status 2 means no Swift file was
found (so a wrong path cannot pass silently). Requires ``pip install tree-sitter tree-sitter-swift``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import tree_sitter_swift
from tree_sitter import Language, Parser, Node

SKIP_DIRS = {".build", "node_modules", ".git", "DerivedData"}

# Valid Swift that tree-sitter-swift 0.7.x cannot parse, and which uniffi 0.31's generated
# Swift contains. Each rewrite is exact and length-preserving (bytes become spaces), so reported
# line:col positions stay true and nothing else in the file is touched.
#  1. An `#if` block that wraps only an attribute of the next declaration
#     (`#if swift(>=5.8)` / `@_documentation(visibility: private)` / `#endif`): the grammar
#     only accepts whole declarations inside `#if`. We blank the two directive lines and keep
#     the attribute, which then still gets parsed as part of the declaration.
#  2. A closure whose body is the bare empty tuple, `{ () }`: blanked to `{    }`.
_COND_ATTR = re.compile(
    rb"^([ \t]*#if swift\(>=[0-9.]+\)[ \t]*)\n((?:[ \t]*@[A-Za-z_]+(?:\([^)\n]*\))?[ \t]*\n)+)([ \t]*#endif[ \t]*)$",
    re.MULTILINE,
)
_EMPTY_TUPLE_CLOSURE = re.compile(rb"\{ \(\) \}")


def _blank(b: bytes) -> bytes:
    return b" " * len(b)


def normalize_known_grammar_gaps(src: bytes) -> bytes:
    """Blank the constructs listed above; output has the same length and line breaks."""
    src = _COND_ATTR.sub(lambda m: _blank(m.group(1)) + b"\n" + m.group(2) + _blank(m.group(3)), src)
    src = _EMPTY_TUPLE_CLOSURE.sub(lambda m: b"{    }", src)
    return src


def swift_files(paths: list[str]) -> list[Path]:
    """Return every .swift file named by or below ``paths``, sorted."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file() and p.suffix == ".swift":
            found.append(p)
        elif p.is_dir():
            found.extend(
                f for f in p.rglob("*.swift") if not SKIP_DIRS.intersection(f.parts)
            )
        else:
            raise FileNotFoundError(f"not a .swift file or directory: {raw}")
    return sorted(set(found))


def problems(tree_root: Node) -> list[tuple[int, int, str]]:
    """Collect (line, col, description) for every ERROR or MISSING node."""
    out: list[tuple[int, int, str]] = []
    stack = [tree_root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            row, col = node.start_point
            out.append((row + 1, col + 1, f"missing {node.type!r}"))
        elif node.is_error:
            row, col = node.start_point
            snippet = node.text.decode("utf-8", "replace").splitlines()[0][:60] if node.text else ""
            out.append((row + 1, col + 1, f"syntax error near {snippet!r}"))
        if node.has_error:
            stack.extend(reversed(node.children))
    return sorted(out)


def check_file(parser: Parser, path: Path) -> list[str]:
    """Parse one file; return its error messages (empty when clean)."""
    tree = parser.parse(normalize_known_grammar_gaps(path.read_bytes()))
    return [f"{path}:{line}:{col}: {msg}" for line, col, msg in problems(tree.root_node)]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    parser = Parser(Language(tree_sitter_swift.language()))
    try:
        files = swift_files(argv)
    except FileNotFoundError as e:
        print(f"check_swift: {e}", file=sys.stderr)
        return 2
    if not files:
        print("check_swift: no .swift files found", file=sys.stderr)
        return 2
    errors: list[str] = []
    for f in files:
        errors.extend(check_file(parser, f))
    for e in errors:
        print(e, file=sys.stderr)
    print(f"check_swift: {len(files)} file(s), {len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
