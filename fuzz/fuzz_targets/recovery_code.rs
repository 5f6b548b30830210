//! Recovery-code parsing (`latchkey_protocol::recovery::RecoveryCode::parse`): grouped input,
//! separators, case, the O/0 and I/L/1 readings, and the per-group check character.
//!
//! Input: 18 bytes of entropy (a real code is made from them), an operation, a position and a
//! symbol, then free text. Invariants:
//! - free text: never panics; an accepted code is 35 canonical characters, equal to the input
//!   without separators, upper-cased, O read as 0 and I/L as 1; it parses again from its
//!   display form and from lower case; a refusal names a group 1..=7 (or the length);
//! - the real code: its display form, the form without separators, with spaces, in lower case
//!   or with O/I/L for 0/1 all parse to it (same wrapping key); its 140 data bits are the
//!   entropy's first 140 bits;
//! - every single wrong character is refused as a typo in its group; every swap of two
//!   different neighbouring characters is refused as a typo in the first group it touches;
//!   every swap of two groups is refused as a typo in the first of them; a missing character
//!   is refused (by its group when the groups are separated).
#![no_main]

use latchkey_protocol::recovery::{
    CodeRejection, RecoveryCode, CODE_ALPHABET, CODE_ENTROPY_BYTES, CODE_GROUPS, CODE_LEN,
    GROUP_LEN,
};
use libfuzzer_sys::fuzz_target;

/// What `parse` should make of the input, when every character is a code character.
fn expected_canonical(input: &str) -> String {
    input
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

fn value(c: u8) -> usize {
    CODE_ALPHABET
        .iter()
        .position(|&s| s == c)
        .expect("a canonical character")
}

fn join(groups: &[String], sep: &str) -> String {
    groups.join(sep)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < CODE_ENTROPY_BYTES + 3 {
        return;
    }
    let (entropy, rest) = data.split_at(CODE_ENTROPY_BYTES);
    let (op, pos, sym) = (rest[0], usize::from(rest[1]), rest[2]);
    let free = String::from_utf8_lossy(&rest[3..]);

    // Free text.
    match RecoveryCode::parse(&free) {
        Ok(c) => {
            assert_eq!(c.expose().len(), CODE_LEN);
            assert!(c.expose().bytes().all(|b| CODE_ALPHABET.contains(&b)));
            assert_eq!(
                c.expose(),
                expected_canonical(&free),
                "parse changed the code"
            );
            let again = RecoveryCode::parse(&c.display()).expect("display form parses");
            assert_eq!(again.expose(), c.expose());
            let lower = RecoveryCode::parse(&c.expose().to_lowercase()).expect("lower case parses");
            assert_eq!(lower.expose(), c.expose());
        }
        Err(e) => {
            if let Some(g) = e.group() {
                assert!(
                    (1..=CODE_GROUPS as u32).contains(&g),
                    "group {g} out of range"
                );
            }
            if let CodeRejection::Length { got } = e {
                assert_ne!(got as usize, CODE_LEN);
            }
            let _ = format!("{e} {e:?}");
        }
    }

    // A real code.
    let mut ent = [0u8; CODE_ENTROPY_BYTES];
    ent.copy_from_slice(entropy);
    let code = RecoveryCode::from_entropy(&ent);
    let canon = code.expose().to_owned();
    assert_eq!(canon.len(), CODE_LEN);
    // The data characters hold the entropy's first 140 bits.
    let mut bit = 0usize;
    for (i, c) in canon.bytes().enumerate() {
        if i % GROUP_LEN == GROUP_LEN - 1 {
            continue;
        }
        let v = value(c);
        for b in (0..5).rev() {
            let want = (ent[bit / 8] >> (7 - bit % 8)) & 1;
            assert_eq!((v >> b) & 1, usize::from(want), "data bit {bit} differs");
            bit += 1;
        }
    }
    assert_eq!(bit, 140);
    let groups: Vec<String> = code.groups().iter().map(|g| g.to_string()).collect();
    assert_eq!(groups.len(), CODE_GROUPS);
    let key = code.wrapping_key().expect("key derivation");
    let variants = [
        code.display().to_string(),
        canon.clone(),
        join(&groups, " "),
        format!("  {}\n", join(&groups, " - ")),
        code.display().to_lowercase(),
        canon
            .replace('0', "O")
            .replace('1', if op & 1 == 0 { "I" } else { "l" }),
    ];
    for v in &variants {
        let p = RecoveryCode::parse(v).expect("a form of a real code parses");
        assert_eq!(p.expose(), canon);
        assert_eq!(p.wrapping_key().expect("key").expose(), key.expose());
    }

    let bytes = canon.as_bytes();
    match op % 4 {
        0 => {
            // One wrong character.
            let p = pos % CODE_LEN;
            let new = CODE_ALPHABET[usize::from(sym) % 32];
            if new != bytes[p] {
                let mut t = bytes.to_vec();
                t[p] = new;
                let t = String::from_utf8(t).expect("ascii");
                assert_eq!(
                    RecoveryCode::parse(&t).map(|c| c.expose().to_owned()),
                    Err(CodeRejection::Typo {
                        group: (p / GROUP_LEN) as u32 + 1
                    }),
                    "a wrong character was not caught in its group"
                );
            }
        }
        1 => {
            // Two neighbours swapped.
            let p = pos % (CODE_LEN - 1);
            if bytes[p] != bytes[p + 1] {
                let mut t = bytes.to_vec();
                t.swap(p, p + 1);
                let t = String::from_utf8(t).expect("ascii");
                assert_eq!(
                    RecoveryCode::parse(&t).map(|c| c.expose().to_owned()),
                    Err(CodeRejection::Typo {
                        group: (p / GROUP_LEN) as u32 + 1
                    }),
                    "a swap of neighbours was not caught"
                );
            }
        }
        2 => {
            // Two groups swapped.
            let i = pos % CODE_GROUPS;
            let j = usize::from(sym) % CODE_GROUPS;
            if i != j {
                let mut g = groups.clone();
                g.swap(i, j);
                assert_eq!(
                    RecoveryCode::parse(&join(&g, "-")).map(|c| c.expose().to_owned()),
                    Err(CodeRejection::Typo {
                        group: i.min(j) as u32 + 1
                    }),
                    "groups in the wrong place were not caught"
                );
            }
        }
        _ => {
            // One character missing, with and without separators.
            let p = pos % CODE_LEN;
            let mut t = canon.clone();
            t.remove(p);
            assert_eq!(
                RecoveryCode::parse(&t).map(|c| c.expose().to_owned()),
                Err(CodeRejection::Length {
                    got: CODE_LEN as u32 - 1
                })
            );
            let mut g = groups.clone();
            g[p / GROUP_LEN].remove(p % GROUP_LEN);
            assert_eq!(
                RecoveryCode::parse(&join(&g, "-")).map(|c| c.expose().to_owned()),
                Err(CodeRejection::GroupLength {
                    group: (p / GROUP_LEN) as u32 + 1
                })
            );
        }
    }
});
