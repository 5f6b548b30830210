"""Tests for check_ffi_header.py with a small header and a library built here by gcc."""
import subprocess
import sys
from pathlib import Path

CHECKER = Path(__file__).with_name("check_ffi_header.py")

HEADER = """#pragma once
#include <stdint.h>
typedef struct RustCallStatus { int8_t code; } RustCallStatus;
typedef void (*UniffiCallback)(uint64_t);
uint64_t uniffi_demo_fn_clone(uint64_t handle, RustCallStatus *_Nonnull out_status
);
void ffi_demo_rustbuffer_free(uint64_t buf, RustCallStatus *_Nonnull out_status
);
"""

BOTH = """#include <stdint.h>
typedef struct RustCallStatus { int8_t code; } RustCallStatus;
uint64_t uniffi_demo_fn_clone(uint64_t h, RustCallStatus *s) { (void)s; return h; }
void ffi_demo_rustbuffer_free(uint64_t b, RustCallStatus *s) { (void)b; (void)s; }
"""


def build_lib(tmp: Path, source: str, name: str) -> Path:
    c = tmp / f"{name}.c"
    c.write_text(source)
    so = tmp / f"lib{name}.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(so), str(c)], check=True)
    return so


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECKER), *map(str, args)], capture_output=True, text=True)


def test_complete_library_passes(tmp_path: Path) -> None:
    h = tmp_path / "demoFFI.h"
    h.write_text(HEADER)
    mm = tmp_path / "demoFFI.modulemap"
    mm.write_text('module demoFFI {\n    header "demoFFI.h"\n    export *\n}\n')
    r = run(h, build_lib(tmp_path, BOTH, "both"), "--modulemap", mm)
    assert r.returncode == 0, r.stderr
    assert "2 declared function(s), 0 missing" in r.stdout


def test_missing_export_fails(tmp_path: Path) -> None:
    h = tmp_path / "demoFFI.h"
    h.write_text(HEADER)
    one = BOTH.split("void ffi_demo_rustbuffer_free")[0]
    r = run(h, build_lib(tmp_path, one, "one"))
    assert r.returncode == 1
    assert "does not export ffi_demo_rustbuffer_free" in r.stderr


def test_header_that_does_not_compile_fails(tmp_path: Path) -> None:
    h = tmp_path / "demoFFI.h"
    h.write_text(HEADER.replace("uint64_t handle,", "uint64_t handle"))
    r = run(h, build_lib(tmp_path, BOTH, "both"))
    assert r.returncode == 1
    assert "gcc -fsyntax-only failed" in r.stderr


def test_modulemap_must_name_header(tmp_path: Path) -> None:
    h = tmp_path / "demoFFI.h"
    h.write_text(HEADER)
    mm = tmp_path / "other.modulemap"
    mm.write_text('module x {\n    header "other.h"\n}\n')
    r = run(h, build_lib(tmp_path, BOTH, "both"), "--modulemap", mm)
    assert r.returncode == 1
    assert "does not name header" in r.stderr
