"""Tests for check_swift.py: clean Swift passes, broken Swift fails."""
import subprocess
import sys
from pathlib import Path

CHECKER = Path(__file__).with_name("check_swift.py")

GOOD = """
import Foundation

public actor Session {
    private var screens: [String] = []
    public func submit(pin: String) async throws -> String {
        guard pin.count == 6 else { throw NSError(domain: "latchkey", code: 155_115) }
        screens.append(pin)
        return "ok"
    }
}

public func stream() -> AsyncStream<Int> {
    AsyncStream { continuation in
        continuation.yield(1)
        continuation.finish()
    }
}
"""

BROKEN_CASES = {
    "unclosed_brace": "public func f() -> Int {\n    return 1\n",
    "garbage_token": "public struct S {\n    let x: Int = = 3\n}\n",
    "bad_func_header": "func (x: Int) -> {\n}\n",
}


def run(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECKER), *map(str, paths)], capture_output=True, text=True
    )


def test_clean_file_passes(tmp_path: Path) -> None:
    good = tmp_path / "Good.swift"
    good.write_text(GOOD)
    r = run(good)
    assert r.returncode == 0, r.stderr
    assert "1 file(s), 0 error(s)" in r.stdout


def test_each_broken_file_fails(tmp_path: Path) -> None:
    for name, src in BROKEN_CASES.items():
        bad = tmp_path / f"{name}.swift"
        bad.write_text(src)
        r = run(bad)
        assert r.returncode == 1, f"{name} was accepted: {r.stdout} {r.stderr}"
        assert f"{name}.swift:" in r.stderr


def test_directory_scan_reports_only_broken_file(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "Good.swift").write_text(GOOD)
    (tmp_path / "Bad.swift").write_text(BROKEN_CASES["unclosed_brace"])
    r = run(tmp_path)
    assert r.returncode == 1
    assert "Bad.swift" in r.stderr and "Good.swift" not in r.stderr
    assert "2 file(s)" in r.stdout


def test_no_swift_files_is_an_error(tmp_path: Path) -> None:
    assert run(tmp_path).returncode == 2
    assert run(tmp_path / "nope").returncode == 2


# Valid Swift emitted by uniffi 0.31 that tree-sitter-swift 0.7 mis-parses; see
# normalize_known_grammar_gaps in check_swift.py.
UNIFFI_PATTERNS = """
extension FfiConverterPrimitive {
#if swift(>=5.8)
    @_documentation(visibility: private)
#endif
    public static func lift(_ value: Int) throws -> Int {
        let writeReturn = { () }
        writeReturn()
        return value
    }
}
"""


def test_uniffi_generated_patterns_pass(tmp_path: Path) -> None:
    f = tmp_path / "Gen.swift"
    f.write_text(UNIFFI_PATTERNS)
    r = run(f)
    assert r.returncode == 0, r.stderr


def test_normalization_does_not_hide_real_errors(tmp_path: Path) -> None:
    f = tmp_path / "GenBroken.swift"
    # Drop the closing brace of the function: the real error must still be reported.
    broken = UNIFFI_PATTERNS.replace("        return value\n    }\n", "        return value\n")
    f.write_text(broken)
    r = run(f)
    assert r.returncode == 1, r.stdout
    assert "GenBroken.swift:" in r.stderr


def test_normalization_keeps_length_and_lines() -> None:
    sys.path.insert(0, str(CHECKER.parent))
    from check_swift import normalize_known_grammar_gaps

    src = UNIFFI_PATTERNS.encode()
    out = normalize_known_grammar_gaps(src)
    assert len(out) == len(src)
    assert out.count(b"\n") == src.count(b"\n")
    assert b"#if" not in out and b"{ () }" not in out
    assert b"@_documentation(visibility: private)" in out
