//! The menu and one drawing per [`Screen`], with `inquire` prompts.

use crate::wallet;
use crate::{App, Request};
use inquire::error::InquireError;
use inquire::validator::Validation;
use inquire::{Confirm, Password, PasswordDisplayMode, Select, Text};
use latchkey_core::{
    ChallengeRun, ChallengeStatus, ChallengeType, CredentialStatus, ErrorCode, Input, InputError,
    LatchkeyError, LockedCredential, PinPurpose, QuestionKind, Screen, Secret, Wallet,
};
use latchkey_protocol::questions::is_valid_date;
use std::fmt;
use std::time::Duration;

const SETUP: &str = "Set up PIN, security questions and wallet";
const CHANGE: &str = "Change PIN";
const FORGOT: &str = "Forgot PIN: recover with security answers";
const WALLET: &str = "Show wallet";
const SIGN_MESSAGE: &str = "Sign a message";
const SIGN_TYPED: &str = "Sign typed data (EIP-712 mail)";
const SIGN_TRANSFER: &str = "Sign a transfer";
const STATUS: &str = "Show account status";
const RECOVERY: &str = "Recovery options";
const QUIT: &str = "Quit";
const CODE_SETUP: &str = "Set up a recovery code";
const CODE_RECOVER: &str = "Forgot PIN: recover with the recovery code";
const CLOUD_SETUP: &str = "Set up a cloud backup (in a directory)";
const CLOUD_RECOVER: &str = "Forgot PIN: recover with the cloud backup";
const MENU: [&str; 10] = [
    SETUP,
    CHANGE,
    FORGOT,
    RECOVERY,
    WALLET,
    SIGN_MESSAGE,
    SIGN_TYPED,
    SIGN_TRANSFER,
    STATUS,
    QUIT,
];

/// Why a prompt did not give an answer.
enum Stop {
    /// Esc.
    Back,
    /// Ctrl-C.
    Cancel,
    /// The terminal went away.
    Fatal(String),
}

/// Runs a blocking prompt off the async threads.
async fn ask<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, InquireError> + Send + 'static,
) -> Result<T, Stop> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(InquireError::OperationCanceled)) => Err(Stop::Back),
        Ok(Err(InquireError::OperationInterrupted)) => Err(Stop::Cancel),
        Ok(Err(e)) => Err(Stop::Fatal(e.to_string())),
        Err(e) => Err(Stop::Fatal(e.to_string())),
    }
}

/// The main menu, until Quit, Esc or Ctrl-C.
pub async fn menu(app: &mut App) {
    let mut cursor = 0;
    loop {
        let choice = ask(move || {
            Select::new("What would you like to do?", MENU.to_vec())
                .with_help_message("↑↓ to move, type to filter, Enter to choose, Esc to quit")
                .with_page_size(MENU.len())
                .with_starting_cursor(cursor)
                .prompt()
        })
        .await;
        if let Ok(c) = &choice {
            cursor = MENU.iter().position(|o| o == c).unwrap_or(0);
        }
        let request = match choice {
            Ok(SETUP) => Request::Pin(ChallengeType::Initialize),
            Ok(CHANGE) => Request::Pin(ChallengeType::ChangePin),
            Ok(FORGOT) => Request::Pin(ChallengeType::RestorePin),
            Ok(RECOVERY) => {
                let c = ask(|| {
                    Select::new(
                        "Recovery options",
                        vec![CODE_SETUP, CODE_RECOVER, CLOUD_SETUP, CLOUD_RECOVER],
                    )
                    .with_help_message("Enter to choose, Esc for the menu")
                    .prompt()
                })
                .await;
                match c {
                    Ok(CODE_SETUP) => Request::Pin(ChallengeType::SetRecoveryCode),
                    Ok(CODE_RECOVER) => Request::RecoverWithCode,
                    Ok(choice) => {
                        let default = app.cloud_dir.display().to_string();
                        let dir = ask(move || {
                            Text::new("Directory standing in for your cloud:")
                                .with_default(&default)
                                .with_help_message(
                                    "a real app uses iCloud Keychain or Block Store; Enter keeps the default",
                                )
                                .prompt()
                        })
                        .await;
                        let Ok(dir) = dir else { continue };
                        let dir = std::path::PathBuf::from(dir);
                        if choice == CLOUD_SETUP {
                            Request::SetCloudBackup(dir)
                        } else {
                            Request::RecoverWithBackup(dir)
                        }
                    }
                    Err(_) => continue,
                }
            }
            Ok(WALLET) => {
                show_wallets(app).await;
                continue;
            }
            Ok(SIGN_MESSAGE) => match message_request(app).await {
                Some(r) => r,
                None => continue,
            },
            Ok(SIGN_TYPED) => match typed_data_request(app).await {
                Some(r) => r,
                None => continue,
            },
            Ok(SIGN_TRANSFER) => match transfer_request(app).await {
                Some(r) => r,
                None => continue,
            },
            Ok(STATUS) => {
                show_status(app).await;
                continue;
            }
            Ok(_) | Err(Stop::Back) | Err(Stop::Cancel) => {
                println!("Bye.");
                return;
            }
            Err(Stop::Fatal(e)) => {
                eprintln!("The terminal cannot prompt: {e}");
                return;
            }
        };
        run_challenge(app, &request).await;
        println!();
    }
}

/// The user's first wallet, or a note that there is none yet.
async fn first_wallet(app: &App) -> Option<Wallet> {
    match app.session.wallets().await {
        Ok(w) if !w.is_empty() => w.into_iter().next(),
        Ok(_) => {
            println!("✗ There is no wallet yet: choose “{SETUP}” first.");
            None
        }
        Err(e) => {
            println!("✗ {}", error_text(&e));
            None
        }
    }
}

async fn show_wallets(app: &App) {
    match app.session.wallets().await {
        Ok(ws) if ws.is_empty() => println!("No wallet yet: choose “{SETUP}” first."),
        Ok(ws) => {
            println!("Your wallets (one key, the same address on every EVM chain):");
            for w in ws {
                println!(
                    "  {}  {}  {} {}  (id {})",
                    w.address, w.blockchain, w.account_type, w.state, w.id
                );
            }
        }
        Err(e) => println!("✗ {}", error_text(&e)),
    }
    println!();
}

async fn message_request(app: &App) -> Option<Request> {
    let w = first_wallet(app).await?;
    let text = ask(|| {
        Text::new("Message to sign:")
            .with_help_message("any text; Esc to go back")
            .with_validator(|s: &str| {
                Ok(if s.is_empty() {
                    Validation::Invalid("Type a message".into())
                } else {
                    Validation::Valid
                })
            })
            .prompt()
    })
    .await
    .ok()?;
    Some(Request::SignMessage {
        wallet_id: w.id,
        text,
    })
}

async fn typed_data_request(app: &App) -> Option<Request> {
    let w = first_wallet(app).await?;
    let to = ask(|| {
        Text::new("Mail to (address):")
            .with_help_message("0x and 40 hex digits; Esc to go back")
            .with_validator(|s: &str| {
                Ok(match wallet::parse_address(s) {
                    Ok(_) => Validation::Valid,
                    Err(e) => Validation::Invalid(capitalize(&e).into()),
                })
            })
            .prompt()
    })
    .await
    .ok()?;
    let contents = ask(|| {
        Text::new("Contents:")
            .with_help_message("any text; Esc to go back")
            .with_validator(|s: &str| {
                Ok(if s.is_empty() {
                    Validation::Invalid("Type the contents".into())
                } else {
                    Validation::Valid
                })
            })
            .prompt()
    })
    .await
    .ok()?;
    let to = wallet::parse_address(&to).ok()?;
    let chain_id = w.blockchain.chain_id().unwrap_or(11_155_111);
    let from = w.address.parse().ok()?;
    Some(Request::SignTypedData {
        wallet_id: w.id,
        data: wallet::mail_typed_data(chain_id, &from, &to, &contents),
    })
}

async fn transfer_request(app: &App) -> Option<Request> {
    let w = first_wallet(app).await?;
    let to = ask(|| {
        Text::new("Send to (address):")
            .with_help_message("0x and 40 hex digits; Esc to go back")
            .with_validator(|s: &str| {
                Ok(match wallet::parse_address(s) {
                    Ok(_) => Validation::Valid,
                    Err(e) => Validation::Invalid(capitalize(&e).into()),
                })
            })
            .prompt()
    })
    .await
    .ok()?;
    let unit = w.blockchain.native_unit().to_owned();
    let msg = format!("Amount ({unit}):");
    let amount = ask(move || {
        Text::new(&msg)
            .with_help_message("e.g. 0.01")
            .with_validator(|s: &str| {
                Ok(match wallet::parse_amount(s) {
                    Ok(_) => Validation::Valid,
                    Err(e) => Validation::Invalid(capitalize(&e).into()),
                })
            })
            .prompt()
    })
    .await
    .ok()?;
    let (Ok(to), Ok(value_wei)) = (wallet::parse_address(&to), wallet::parse_amount(&amount))
    else {
        return None;
    };
    // The wallet's own chain; a generic EVM wallet signs for the Sepolia id in this demo.
    let chain_id = w.blockchain.chain_id().unwrap_or(11_155_111);
    let transaction = wallet::transfer_json(chain_id, app.transfers, &to, &value_wei);
    Some(Request::SignTransaction {
        wallet_id: w.id,
        transaction,
    })
}

async fn run_challenge(app: &mut App, request: &Request) {
    let kind = match request {
        Request::Pin(k) => k.clone(),
        Request::RecoverWithCode | Request::RecoverWithBackup(_) => ChallengeType::RestorePin,
        Request::SetCloudBackup(_) => ChallengeType::SetCloudBackup,
        Request::SignMessage { .. } => ChallengeType::SignMessage,
        Request::SignTypedData { .. } => ChallengeType::SignTypedData,
        Request::SignTransaction { .. } => ChallengeType::SignTransaction,
    };
    println!("· Asking the server for a {} challenge…", kind_name(&kind));
    let id = match app.create(request).await {
        Ok(id) => id,
        Err(e) => {
            println!("✗ {}", error_text(&e));
            return;
        }
    };
    let started = match request {
        Request::SetCloudBackup(dir) | Request::RecoverWithBackup(dir) => {
            let storage = std::sync::Arc::new(latchkey_core::DirectoryStorage::new(dir));
            app.session.run_challenge_with_storage(&id, storage).await
        }
        _ => app.session.run_challenge(&id).await,
    };
    let run = match started {
        Ok(r) => r,
        Err(e) => {
            println!("✗ {}", error_text(&e));
            return;
        }
    };
    println!("· Challenge {id} started. Esc goes back, Ctrl-C cancels.");
    drive(&run).await;
    if let Screen::Done { result, .. } = run.screen() {
        show_result(app, request, result).await;
    }
}

/// Prints what a finished challenge produced and checks signatures locally.
async fn show_result(
    app: &mut App,
    request: &Request,
    result: Option<latchkey_core::ChallengeResult>,
) {
    let result = result.unwrap_or_default();
    match request {
        Request::Pin(ChallengeType::Initialize) => show_wallets(app).await,
        Request::SignMessage { wallet_id, text } => {
            let Some(sig) = result.signature else {
                println!("✗ The server returned no signature.");
                return;
            };
            println!("Signature: {sig}");
            match app.session.wallet(wallet_id).await {
                Ok(w) => match wallet::check_message(&sig, text, &w.address) {
                    Ok(a) => println!("✔ Verified locally: the signer is your wallet {a}."),
                    Err(e) => println!("✗ Local check failed: {e}"),
                },
                Err(e) => println!("✗ {}", error_text(&e)),
            }
        }
        Request::SignTypedData { wallet_id, data } => {
            let Some(sig) = result.signature else {
                println!("✗ The server returned no signature.");
                return;
            };
            println!("Signature: {sig}");
            match app.session.wallet(wallet_id).await {
                Ok(w) => match wallet::check_typed_data(&sig, data, &w.address) {
                    Ok(a) => println!("✔ Verified locally: the signer is your wallet {a}."),
                    Err(e) => println!("✗ Local check failed: {e}"),
                },
                Err(e) => println!("✗ {}", error_text(&e)),
            }
        }
        Request::SignTransaction { wallet_id, .. } => {
            let (Some(raw), Some(hash)) = (result.signed_transaction, result.tx_hash) else {
                println!("✗ The server returned no signed transaction.");
                return;
            };
            println!("Signed transaction: {raw}");
            println!("Transaction hash:   {hash}");
            println!(
                "· Not broadcast: send it with any node of its chain (eth_sendRawTransaction)."
            );
            match app.session.wallet(wallet_id).await {
                Ok(w) => match wallet::check_transaction(&raw, &hash, &w.address) {
                    Ok(summary) => {
                        app.transfers += 1;
                        println!(
                            "✔ Verified locally: sent by your wallet {}; {summary}.",
                            w.address
                        )
                    }
                    Err(e) => println!("✗ Local check failed: {e}"),
                },
                Err(e) => println!("✗ {}", error_text(&e)),
            }
        }
        Request::SetCloudBackup(dir) => {
            println!(
                "· The backup key is in {} (one file per version).",
                dir.display()
            )
        }
        Request::Pin(_) | Request::RecoverWithCode | Request::RecoverWithBackup(_) => {}
    }
}

/// What the user chose on a screen.
enum Action {
    Input(Input),
    Back,
    Retry,
    Cancel,
}

async fn drive(run: &ChallengeRun) {
    loop {
        let screen = run.screen();
        if screen.is_terminal() {
            outcome(run, &screen).await;
            return;
        }
        let action = match prompt_for(run, &screen).await {
            Ok(a) => a,
            Err(Stop::Back) => Action::Back,
            Err(Stop::Cancel) => Action::Cancel,
            Err(Stop::Fatal(e)) => {
                eprintln!("The terminal cannot prompt: {e}");
                Action::Cancel
            }
        };
        let sending = matches!(action, Action::Input(_) | Action::Retry);
        // Ctrl-C while a request is in flight (the terminal is not in raw mode then).
        let result = tokio::select! {
            r = perform(run, action) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        };
        let result = match result {
            Some(r) => r,
            None => {
                println!();
                run.cancel().await
            }
        };
        match result {
            Ok(s) if sending && matches!(s, Screen::Working { .. }) => println!("· Working…"),
            Ok(_) => {}
            Err(e) => {
                println!("✗ {}", error_text(&e));
                let _ = run.cancel().await;
            }
        }
    }
}

async fn perform(run: &ChallengeRun, action: Action) -> Result<Screen, LatchkeyError> {
    match action {
        Action::Input(i) => run.submit(i).await,
        // Where the SDK has no earlier screen (the first one, or after a verified step), Esc
        // leaves the challenge.
        Action::Back if run.can_go_back() => run.back().await,
        Action::Back => run.cancel().await,
        Action::Retry => run.retry().await,
        Action::Cancel => run.cancel().await,
    }
}

fn progress(s: &Screen) -> String {
    let p = s.progress();
    format!("[{}/{}]", p.step, p.of)
}

/// The SDK's text for a refused input, as a sentence.
fn input_error_text(e: &InputError) -> String {
    format!("{}.", capitalize(&e.to_string()))
}

fn capitalize(t: &str) -> String {
    let mut c = t.chars();
    match c.next() {
        Some(f) => format!("{}{}", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

/// Wraps text at 76 columns, indenting continuation lines by `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in text.split_whitespace() {
        if col > 0 && col + 1 + word.chars().count() > 76 {
            out.push('\n');
            out.push_str(indent);
            col = indent.len();
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.chars().count();
    }
    out
}

fn kind_name(kind: &ChallengeType) -> &'static str {
    match kind {
        ChallengeType::Initialize => "set-up",
        ChallengeType::SetPin => "set-PIN",
        ChallengeType::ChangePin => "change-PIN",
        ChallengeType::RestorePin => "PIN recovery",
        ChallengeType::SetSecurityQuestions => "security-question",
        ChallengeType::SignMessage => "sign-message",
        ChallengeType::SignTransaction => "sign-transaction",
        ChallengeType::SignTypedData => "sign-typed-data",
        ChallengeType::CreateWallet => "create-wallet",
        ChallengeType::SetRecoveryCode => "recovery-code",
        ChallengeType::SetCloudBackup => "cloud-backup",
        _ => "new",
    }
}

fn attempts(n: u32) -> String {
    match n {
        1 => "1 attempt left before a lock".into(),
        n => format!("{n} attempts left before a lock"),
    }
}

async fn prompt_for(run: &ChallengeRun, screen: &Screen) -> Result<Action, Stop> {
    let digits = run.pin_length();
    if let Some(e) = screen.error() {
        let left = match screen {
            Screen::EnterPin {
                attempts_left: Some(n),
                ..
            }
            | Screen::AnswerQuestion {
                attempts_left: Some(n),
                ..
            } if matches!(e, InputError::IncorrectPin | InputError::IncorrectAnswers) => {
                format!(" {}.", capitalize(&attempts(*n)))
            }
            _ => String::new(),
        };
        println!("✗ {}{left}", input_error_text(e));
    }
    let step = progress(screen);
    match screen.clone() {
        Screen::EnterPin {
            purpose,
            attempts_left,
            ..
        } => {
            let (msg, help) = match purpose {
                PinPurpose::Current => (
                    format!("{step} Enter your current PIN:"),
                    match attempts_left {
                        Some(n) => format!("{digits} digits · {}", attempts(n)),
                        None => format!("{digits} digits"),
                    },
                ),
                PinPurpose::New => (
                    format!("{step} Choose a new {digits}-digit PIN:"),
                    "not one repeated digit, not a run like 123456".into(),
                ),
                PinPurpose::Confirm => (
                    format!("{step} Enter the new PIN again:"),
                    "to confirm".into(),
                ),
            };
            let pin = ask(move || {
                Password::new(&msg)
                    .with_display_mode(PasswordDisplayMode::Masked)
                    .without_confirmation()
                    .with_help_message(&help)
                    .prompt()
            })
            .await?;
            Ok(Action::Input(Input::Pin(Secret::new(pin))))
        }
        Screen::ChooseQuestion { slot, options, .. } => {
            let msg = format!(
                "{step} Security question {} of {}: pick one",
                slot.number, slot.of
            );
            let opts: Vec<Choice> = options
                .into_iter()
                .map(|q| Choice {
                    id: q.id,
                    text: q.text,
                })
                .collect();
            let c = ask(move || {
                Select::new(&msg, opts)
                    .with_help_message("type to filter, Enter to choose, Esc to go back")
                    .with_page_size(8)
                    .prompt()
            })
            .await?;
            Ok(Action::Input(Input::ChooseQuestion(c.id)))
        }
        Screen::AnswerQuestion {
            slot,
            question,
            hint_allowed,
            saved_hint,
            attempts_left,
            ..
        } => {
            let date = question.kind == QuestionKind::Date;
            // What the SDK does to the answer (case, spaces, accents; dates as YYYY-MM-DD).
            let mut help = run.answer_hint(&question.kind);
            if let Some(h) = &saved_hint {
                help = format!("your hint: {h} · {help}");
            }
            if let Some(n) = attempts_left {
                help = format!("{help} · {}", attempts(n));
            }
            let msg = format!(
                "{step} Question {} of {}: {}",
                slot.number, slot.of, question.text
            );
            let answer = ask(move || {
                let mut t = Text::new(&msg).with_help_message(&help);
                if date {
                    t = t.with_validator(|s: &str| {
                        Ok(if is_valid_date(s.trim()) {
                            Validation::Valid
                        } else {
                            Validation::Invalid(
                                "Enter a real date as YYYY-MM-DD, e.g. 1994-07-15".into(),
                            )
                        })
                    });
                }
                t.prompt()
            })
            .await?;
            let hint = if hint_allowed {
                let h = ask(|| {
                    Text::new("Hint for this answer (optional):")
                        .with_help_message("Enter to skip; it must not contain the answer")
                        .prompt()
                })
                .await?;
                Some(h).filter(|h| !h.trim().is_empty())
            } else {
                None
            };
            Ok(Action::Input(Input::Answer {
                answer: Secret::new(answer),
                hint,
            }))
        }
        Screen::Review {
            entries,
            acknowledgement,
            ..
        } => {
            println!("{step} Review your security questions:");
            for (i, e) in entries.iter().enumerate() {
                match &e.hint {
                    Some(h) => println!("  {}. {} (hint: {h})", i + 1, e.question.text),
                    None => println!("  {}. {}", i + 1, e.question.text),
                }
            }
            println!("! {}", wrap(acknowledgement, "  "));
            let ok = ask(|| {
                Confirm::new("I understand. Save my PIN and security questions?")
                    .with_help_message("y to save, n or Esc to go back")
                    .prompt()
            })
            .await?;
            Ok(if ok {
                Action::Input(Input::Acknowledge)
            } else {
                Action::Back
            })
        }
        Screen::ReviewSignature { review, .. } => {
            println!("{step} Review what you are asked to sign:");
            for line in wallet::review_lines(&review) {
                println!("  {line}");
            }
            let ok = ask(|| {
                Confirm::new("Sign it with your PIN?")
                    .with_help_message("y to continue to the PIN, n to reject (nothing is signed)")
                    .prompt()
            })
            .await?;
            Ok(Action::Input(if ok {
                Input::Acknowledge
            } else {
                Input::Reject
            }))
        }
        Screen::Interrupted { error, .. } => {
            let t = format!(
                "⚠ The server did not answer ({}). Your input stays sealed; retrying sends the \
                 very same request, so nothing is counted twice.",
                code_text(error)
            );
            println!("{}", wrap(&t, "  "));
            let c = ask(|| Select::new("Retry now?", vec!["Retry", "Cancel"]).prompt()).await?;
            Ok(if c == "Retry" {
                Action::Retry
            } else {
                Action::Cancel
            })
        }
        Screen::ShowRecoveryCode {
            groups, warning, ..
        } => {
            println!("{step} Your recovery code:");
            let shown: Vec<&str> = groups.iter().map(|g| g.expose()).collect();
            println!("    {}", shown.join("-"));
            println!("! {}", wrap(warning, "  "));
            let ok = ask(|| {
                Confirm::new("I wrote it down. Continue?")
                    .with_help_message("y to continue, n or Esc to leave (nothing is saved)")
                    .prompt()
            })
            .await?;
            Ok(if ok {
                Action::Input(Input::Acknowledge)
            } else {
                Action::Cancel
            })
        }
        Screen::ConfirmRecoveryCode { groups, error, .. } => {
            if let Some(e) = error {
                println!("✗ {}", input_error_text(&e));
            }
            let which: Vec<String> = groups.iter().map(u32::to_string).collect();
            let label = format!(
                "{step} To check, type groups {} of your code:",
                which.join(" and ")
            );
            let typed = ask(move || {
                Text::new(&label)
                    .with_help_message("separated by a space; Esc shows the code again")
                    .prompt()
            })
            .await?;
            Ok(Action::Input(Input::RecoveryCode(Secret::new(typed))))
        }
        Screen::EnterRecoveryCode {
            error,
            attempts_left,
            ..
        } => {
            if let Some(e) = error {
                println!("✗ {}", input_error_text(&e));
                if let Some(n) = attempts_left {
                    println!("  {}", attempts(n));
                }
            }
            let label = format!("{step} Your recovery code:");
            let typed = ask(move || {
                Text::new(&label)
                    .with_help_message("7 groups of 5; case and separators do not matter")
                    .prompt()
            })
            .await?;
            Ok(Action::Input(Input::RecoveryCode(Secret::new(typed))))
        }
        Screen::StartCloudRestore {
            error,
            attempts_left,
            ..
        } => {
            if let (Some(_), Some(n)) = (error, attempts_left) {
                println!("  {}", attempts(n));
            }
            let label = format!("{step} Read your backup from your cloud now?");
            let ok = ask(move || {
                Confirm::new(&label)
                    .with_help_message("y to read it, n or Esc to leave")
                    .prompt()
            })
            .await?;
            Ok(if ok {
                Action::Input(Input::Acknowledge)
            } else {
                Action::Cancel
            })
        }
        Screen::NoCloudBackup { .. } | Screen::CloudStorageFailed { .. } => {
            let mut t = format!("⚠ {}", screen.message().unwrap_or_default());
            if let Screen::CloudStorageFailed { reason, .. } = screen {
                if !reason.is_empty() {
                    t.push_str(&format!(" ({reason})"));
                }
            }
            println!("{}", wrap(&t, "  "));
            let c = ask(|| Select::new("Try again?", vec!["Retry", "Cancel"]).prompt()).await?;
            Ok(if c == "Retry" {
                Action::Retry
            } else {
                Action::Cancel
            })
        }
        Screen::Working { .. } | Screen::CloudWorking { .. } => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Err(Stop::Fatal("a request is still in flight".into()))
        }
        _ => Ok(Action::Cancel),
    }
}

/// A question in the picker.
struct Choice {
    id: String,
    text: String,
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

async fn outcome(run: &ChallengeRun, screen: &Screen) {
    match screen {
        Screen::Done { .. } => {
            let what = match run.challenge_type() {
                ChallengeType::Initialize => "Your PIN and security questions are set up.",
                ChallengeType::ChangePin => "Your PIN is changed.",
                ChallengeType::RestorePin => "Your new PIN is set; any PIN lock is cleared.",
                ChallengeType::SetRecoveryCode => "Your recovery code is saved.",
                ChallengeType::SetCloudBackup => "Your cloud backup is saved and active.",
                ChallengeType::SignMessage => "The message is signed.",
                ChallengeType::SignTransaction => "The transfer is signed.",
                ChallengeType::SignTypedData => "The typed data is signed.",
                _ => "Finished.",
            };
            println!("✔ Done. {what}");
            match run.wait_for_result(Duration::from_secs(10)).await {
                Ok(c) if c.status == ChallengeStatus::Complete => {
                    println!("· The server confirms the challenge is COMPLETE.")
                }
                Ok(c) => println!("· The server reports {}.", c.status),
                Err(e) => println!("· Could not confirm with the server: {}", error_text(&e)),
            }
        }
        Screen::Locked {
            code,
            until_unix,
            recovery_required,
            ..
        } => {
            let answers = matches!(
                screen.locked_credential(),
                Some(LockedCredential::SecurityQuestions)
            );
            if *recovery_required {
                let what = if answers {
                    "Too many wrong answers in total: recovery with answers is disabled; set new security questions with your PIN, or ask the operator to reset them"
                } else {
                    "Too many wrong PINs in total: the PIN is disabled; use “Forgot PIN” to set a new one"
                };
                println!("✗ {what}. [{}]", code.code());
                return;
            }
            let what = if answers {
                "Too many wrong answers: recovery is locked"
            } else {
                "Too many wrong PINs: the PIN is locked"
            };
            let left = screen.lock_remaining(now_unix()).unwrap_or(0);
            match until_unix {
                Some(_) => println!(
                    "✗ {what}. Try again in {} (or use “Forgot PIN” to recover now). [{}]",
                    countdown(left),
                    code.code()
                ),
                None => println!("✗ {what}. [{}]", code.code()),
            }
        }
        Screen::Cancelled { .. } => println!("· Cancelled. Back to the menu."),
        Screen::Failed { error, .. } => println!("✗ {}", code_text(*error)),
        other => println!("· {other:?}"),
    }
}

async fn show_status(app: &App) {
    // The device's own session reads the status (`GET /v1/user`, no API key).
    let u = match app.session.user().await {
        Ok(u) => u,
        Err(e) => {
            println!("✗ {}", error_text(&e));
            return;
        }
    };
    let now = now_unix();
    let line = |status: &CredentialStatus, d: &latchkey_protocol::CredentialDetails| -> String {
        match status {
            CredentialStatus::Locked if d.recovery_required => format!(
                "DISABLED after {} wrong attempts in a row (recovery required)",
                d.failed_attempts_total
            ),
            CredentialStatus::Locked => {
                let left = d
                    .locked_expiry_date
                    .as_deref()
                    .and_then(latchkey_core::time::parse_rfc3339)
                    .map(|t| countdown(u64::try_from(t - now).unwrap_or(0)))
                    .unwrap_or_else(|| "a while".into());
                format!("LOCKED (unlocks in {left}; lock {} in a row)", d.lock_level)
            }
            CredentialStatus::Enabled if d.failed_attempts > 0 => {
                format!(
                    "set ({} wrong attempt(s) since the last success)",
                    d.failed_attempts
                )
            }
            CredentialStatus::Enabled => "set".into(),
            CredentialStatus::Unset => "not set".into(),
            other => other.to_string(),
        }
    };
    println!("Account \"{}\" (created {}):", u.id, u.create_date);
    println!(
        "  PIN:                {}",
        line(&u.pin_status, &u.pin_details)
    );
    println!(
        "  Security questions: {}",
        line(&u.security_question_status, &u.security_question_details)
    );
    println!(
        "  Recovery code:      {}",
        line(&u.recovery_code_status, &u.security_question_details)
    );
    println!(
        "  Cloud backup:       {}",
        line(&u.cloud_backup_status, &u.security_question_details)
    );
    println!();
}

fn countdown(secs: u64) -> String {
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, s) => format!("{m}m {s:02}s"),
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The SDK's text for a code (`ErrorCode::description`), with the number and, for the codes
/// this app's menu can act on, which entry to choose.
pub fn code_text(code: ErrorCode) -> String {
    let next = match code {
        ErrorCode::PinNotSet => " Choose “Set up PIN and security questions” first.",
        ErrorCode::UserAlreadyInitialized | ErrorCode::PinAlreadySet => {
            " Use “Change PIN” or “Forgot PIN”."
        }
        ErrorCode::Unauthorized => " Check --api-key.",
        _ => "",
    };
    format!("{}{next} [{}]", code.description(), code.code())
}

/// Clear text for a driver error.
pub fn error_text(e: &LatchkeyError) -> String {
    match e {
        LatchkeyError::Network { attempts, code, .. } if *code == ErrorCode::StepInProgress => {
            format!(
                "The server was still busy with this step after {attempts} attempt(s); choose retry. [{}]",
                code.code()
            )
        }
        LatchkeyError::Network { attempts, .. } => format!(
            "The server could not be reached after {attempts} attempt(s); is it running? [{}]",
            e.code().code()
        ),
        LatchkeyError::ServerBusy {
            retry_after_secs, ..
        } => format!(
            "The server is busy; try again in {} s. [{}]",
            retry_after_secs.unwrap_or(30),
            e.code().code()
        ),
        LatchkeyError::Locked { .. } => {
            let until = e.lock_expiry().unwrap_or("later");
            format!(
                "Locked after too many wrong attempts until {until}. [{}]",
                e.code().code()
            )
        }
        LatchkeyError::Timeout { status } => {
            format!("The server still reports {status}; check again later.")
        }
        LatchkeyError::InvalidInput { reason, code } => format!("{reason} [{}]", code.code()),
        _ => code_text(e.code()),
    }
}
