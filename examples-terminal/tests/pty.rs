//! Drives the real `latchkey-terminal` binary through a pseudo-terminal: set up a PIN, security
//! questions and a wallet, sign a message (review, PIN, signature checked locally), reject one,
//! change the PIN (one wrong PIN first), lock the PIN with wrong guesses on a signature, recover
//! it with the answers, sign a transfer with the new PIN and the same wallet, then set up a
//! recovery code and recover with it, and a cloud backup in a directory and recover with it
//! (Recovery options), asserting what the screen shows.
//!
//! Keys are sent as a terminal sends them (`\r` for Enter). Menu entries and questions are
//! picked by typing a filter, so nothing depends on the terminal's width or arrow keys.

#![cfg(unix)]

use expectrl::{Session, WaitStatus};
use std::process::Command;
use std::time::Duration;

struct Term {
    s: Session,
}

impl Term {
    fn start(data_dir: &std::path::Path) -> Term {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchkey-terminal"));
        cmd.arg("--data-dir")
            .arg(data_dir)
            .arg("--lock-seconds")
            .arg("300")
            .env("TERM", "xterm")
            .env("NO_COLOR", "1")
            .env_remove("LATCHKEY_SERVER")
            .env_remove("LATCHKEY_API_KEY");
        let mut s = Session::spawn(cmd).expect("spawn latchkey-terminal in a pty");
        // Debug builds, a cold SQLite file and Argon2 on a busy machine: be generous.
        s.set_expect_timeout(Some(Duration::from_secs(60)));
        let _ = s.get_process_mut().set_window_size(160, 50);
        Term { s }
    }

    /// Waits for `text` on the screen.
    fn see(&mut self, text: &str) {
        if let Err(e) = self.s.expect(text) {
            panic!("expected {text:?} on the screen: {e}");
        }
    }

    /// Types `text` and presses Enter.
    fn enter(&mut self, text: &str) {
        // Let the prompt finish drawing before typing.
        std::thread::sleep(Duration::from_millis(150));
        self.s.send(text).expect("type");
        std::thread::sleep(Duration::from_millis(50));
        self.s.send("\r").expect("enter");
    }

    /// Waits for `pattern` (a regex with one group) and returns the group.
    fn capture(&mut self, pattern: &str) -> String {
        match self.s.expect(expectrl::Regex(pattern)) {
            Ok(c) => String::from_utf8_lossy(c.get(1).expect("one group")).into_owned(),
            Err(e) => panic!("expected {pattern:?} on the screen: {e}"),
        }
    }

    fn menu(&mut self, filter: &str) {
        self.see("What would you like to do?");
        self.enter(filter);
    }
}

#[test]
fn setup_change_wrong_pin_lock_and_recover() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = Term::start(dir.path());
    t.see("Latchkey terminal demo");
    t.see("Started the reference server at http://127.0.0.1:");
    t.see("Created the demo user");

    // ---- set up: an insecure PIN first, then PIN + 2 questions.
    t.menu("Set up");
    t.see("Choose a new 6-digit PIN");
    t.enter("123456");
    t.see("The PIN must not be consecutive digits.");
    t.see("Choose a new 6-digit PIN");
    t.enter("135790");
    t.see("Enter the new PIN again");
    t.enter("135790");
    t.see("Security question 1 of 2");
    t.enter("first pet");
    t.see("Question 1 of 2: What was the name of your first pet?");
    t.enter("Rex");
    t.see("Hint for this answer");
    t.enter("my dog");
    t.see("Security question 2 of 2");
    t.enter("travel abroad");
    t.see("Question 2 of 2: On what date did you first travel abroad?");
    t.enter("1994-02-30");
    t.see("Enter a real date as YYYY-MM-DD");
    // Clear the refused date (Backspace x10), then a valid one.
    t.s.send("\x7f".repeat(10)).unwrap();
    t.enter("1994-07-15");
    t.see("Hint for this answer");
    t.enter("");
    t.see("Review your security questions");
    t.see("(hint: my dog)");
    t.see("If you lose your PIN");
    t.see("I understand. Save my PIN and security questions?");
    t.enter("y");
    t.see("Done. Your PIN and security questions are set up.");
    t.see("The server confirms the challenge is COMPLETE.");
    t.see("Your wallets (one key, the same address on every EVM chain):");
    t.see("ETH-SEPOLIA  EOA LIVE");

    // ---- sign a message: review, PIN, signature checked locally.
    t.menu("Sign a message");
    t.see("Message to sign:");
    t.enter("Hello, Latchkey!");
    t.see("Review what you are asked to sign:");
    t.see("on ETH-SEPOLIA");
    t.see("Message:   \"Hello, Latchkey!\"");
    t.see("(16 bytes)");
    t.see("Memo:      Latchkey terminal demo");
    t.see("Sign it with your PIN?");
    t.enter("y");
    t.see("Enter your current PIN");
    t.enter("135790");
    t.see("Done. The message is signed.");
    t.see("Signature: 0x");
    t.see("Verified locally: the signer is your wallet 0x");

    // ---- sign typed data (EIP-712): the decoded domain and fields, then the PIN.
    t.menu("Sign typed data");
    t.see("Mail to (address):");
    t.enter("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB");
    t.see("Contents:");
    t.enter("Hello, Bob!");
    t.see("Review what you are asked to sign:");
    t.see("Domain name: Latchkey Mail");
    t.see("Chain id: 11155111");
    t.see("Type:      Mail");
    t.see("contents (string): Hello, Bob!");
    t.see("Sign it with your PIN?");
    t.enter("y");
    t.see("Enter your current PIN");
    t.enter("135790");
    t.see("Done. The typed data is signed.");
    t.see("Signature: 0x");
    t.see("Verified locally: the signer is your wallet 0x");

    // ---- reject one: nothing is signed.
    t.menu("Sign a message");
    t.see("Message to sign:");
    t.enter("Give away everything");
    t.see("Sign it with your PIN?");
    t.enter("n");
    t.see("The user rejected the signature request. [155826]");

    // ---- change PIN: a wrong current PIN first.
    t.menu("Change PIN");
    t.see("Enter your current PIN");
    t.see("3 attempts left before a lock");
    t.enter("112358");
    t.see("The PIN is incorrect. 2 attempts left before a lock.");
    t.enter("135790");
    t.see("Choose a new 6-digit PIN");
    t.enter("246801");
    t.see("Enter the new PIN again");
    t.enter("246801");
    t.see("Done. Your PIN is changed.");

    // ---- three wrong PINs on a signature lock it (the counter was reset by the success).
    t.menu("Sign a message");
    t.see("Message to sign:");
    t.enter("locked out");
    t.see("Sign it with your PIN?");
    t.enter("y");
    for left in ["2 attempts left", "1 attempt left"] {
        t.see("Enter your current PIN");
        t.enter("135790"); // the old PIN
        t.see(&format!("The PIN is incorrect. {left}"));
    }
    t.see("Enter your current PIN");
    t.enter("135790");
    t.see("Too many wrong PINs: the PIN is locked. Try again in ");
    t.see("[155119]");
    t.menu("status");
    t.see("LOCKED (unlocks in ");

    // ---- recover with the answers (case and spaces do not matter).
    t.menu("Forgot");
    t.see("Question 1 of 2: What was the name of your first pet?");
    t.see("your hint: my dog");
    t.enter("  rex ");
    t.see("Question 2 of 2: On what date did you first travel abroad?");
    t.enter("1994-07-15");
    t.see("Choose a new 6-digit PIN");
    t.enter("975310");
    t.see("Enter the new PIN again");
    t.enter("975310");
    t.see("Done. Your new PIN is set; any PIN lock is cleared.");

    // ---- the new PIN signs a transfer with the same wallet.
    t.menu("Show wallet");
    t.see("ETH-SEPOLIA  EOA LIVE");
    t.menu("Sign a transfer");
    t.see("Send to (address):");
    t.enter("0x3535353535353535353535353535353535353535");
    t.see("Amount (ETH):");
    t.enter("0.01");
    t.see("Review what you are asked to sign:");
    t.see("Chain:     ETH-SEPOLIA (chain id 11155111)");
    t.see("To:        0x3535353535353535353535353535353535353535");
    t.see("Value:     0.01 ETH (10000000000000000 wei)");
    t.see("Nonce:     0");
    t.see("Gas limit: 21000");
    t.see("Max fee:   0.00063 ETH (630000000000000 wei)");
    t.see("Sign it with your PIN?");
    t.enter("y");
    t.see("Enter your current PIN");
    t.enter("975310");
    t.see("Done. The transfer is signed.");
    t.see("Signed transaction: 0x02");
    t.see("Transaction hash:   0x");
    t.see("Verified locally: sent by your wallet 0x");
    t.see("chain 11155111, nonce 0, to 0x3535353535353535353535353535353535353535, value 10000000000000000 wei");

    // ---- Recovery options: set up a recovery code, then forget the PIN and recover with it
    // (a typo is caught on the device and its group named).
    t.menu("Recovery options");
    t.see("Set up a recovery code");
    t.enter("Set up a recovery code");
    t.see("Enter your current PIN");
    t.enter("975310");
    let code = t.capture(r"    ([0-9A-Z]{5}(?:-[0-9A-Z]{5}){6})\r?\n");
    let groups: Vec<String> = code.split('-').map(str::to_owned).collect();
    t.see("Nobody, including the wallet provider");
    t.see("I wrote it down. Continue?");
    t.enter("y");
    let asked = t.capture(r"type groups ([1-7] and [1-7]) of your code");
    let typed: Vec<&str> = asked
        .split(" and ")
        .map(|g| groups[g.parse::<usize>().unwrap() - 1].as_str())
        .collect();
    t.enter(&typed.join(" "));
    t.see("Done. Your recovery code is saved.");
    t.menu("Show account status");
    t.see("Recovery code:      set");
    t.menu("Recovery options");
    t.see("Forgot PIN: recover with the recovery code");
    t.enter("recover with the recovery code");
    t.see("Your recovery code:");
    let mut typo = groups.clone();
    typo[1] = format!(
        "{}{}",
        if typo[1].starts_with('Z') { "Y" } else { "Z" },
        &typo[1][1..]
    );
    t.enter(&typo.join("-"));
    t.see("typo in group 2");
    t.see("Your recovery code:");
    t.enter(&code.to_lowercase());
    t.see("Choose a new 6-digit PIN");
    t.enter("864213");
    t.see("Enter the new PIN again");
    t.enter("864213");
    t.see("Done. Your new PIN is set; any PIN lock is cleared.");
    t.menu("Show account status");
    t.see("Recovery code:      not set");

    // ---- Recovery options: set up a cloud backup in a directory, then recover with it; a
    // recovery from an empty "cloud" says no backup was found.
    let cloud = dir.path().join("my-cloud");
    t.menu("Recovery options");
    t.see("Set up a cloud backup (in a directory)");
    t.enter("Set up a cloud backup");
    t.see("Directory standing in for your cloud:");
    t.enter(cloud.to_str().unwrap());
    t.see("Enter your current PIN");
    t.enter("864213");
    t.see("Done. Your cloud backup is saved and active.");
    t.see("The backup key is in");
    let entries: Vec<String> = std::fs::read_dir(&cloud)
        .expect("the backup directory")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].starts_with("latchkey-backup-") && entries[0].ends_with("-v1"));
    t.menu("Show account status");
    t.see("Cloud backup:       set");
    t.menu("Recovery options");
    t.enter("recover with the cloud backup");
    t.see("Directory standing in for your cloud:");
    t.enter(dir.path().join("empty-cloud").to_str().unwrap());
    t.see("Read your backup from your cloud now?");
    t.enter("y");
    t.see("No backup was found in this account's cloud");
    t.see("Try again?");
    t.enter("Cancel");
    t.see("Cancelled. Back to the menu.");
    t.menu("Recovery options");
    t.enter("recover with the cloud backup");
    t.see("Directory standing in for your cloud:");
    t.enter(cloud.to_str().unwrap());
    t.see("Read your backup from your cloud now?");
    t.enter("y");
    t.see("Choose a new 6-digit PIN");
    t.enter("531864");
    t.see("Enter the new PIN again");
    t.enter("531864");
    t.see("Done. Your new PIN is set; any PIN lock is cleared.");
    t.menu("Show account status");
    t.see("Cloud backup:       set");

    // ---- Ctrl-C at a prompt cancels the challenge, not the app.
    t.menu("Change PIN");
    t.see("Enter your current PIN");
    std::thread::sleep(Duration::from_millis(150));
    t.s.send("\x03").unwrap();
    t.see("Cancelled. Back to the menu.");

    t.menu("Quit");
    t.see("Bye.");
    match t.s.get_process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "clean exit"),
        other => panic!("unexpected end: {other:?}"),
    }
    // The in-process server's logs went to the data directory, not the screen.
    let log = std::fs::read_to_string(dir.path().join("server.log")).expect("server.log");
    assert!(log.contains("latchkey-server listening"));
}
