/**
 * The full story through the uniffi-bindgen-react-native bindings, run on Node (napi flavour of
 * the same crate and library; `cargo xtask test-bindings` generates `node/generated/`), against
 * a real `latchkey-server` process on loopback (LATCHKEY_SERVER_BIN): initialize with a PIN,
 * two questions and a wallet, change the PIN, three wrong PINs lock it, recover with the answers,
 * the new PIN signs a message with the wallet (review screen, signature result). Plus a rejected
 * signature, errors and the `screens()` helper.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";

import {
  AdminClient,
  Blockchain,
  ChallengeStatus,
  ChallengeType,
  Client,
  ClientConfig,
  CredentialStatus,
  Input,
  InputErrorKind,
  LatchkeyError,
  PinPurpose,
  QuestionKind,
  Screen,
  SignatureDetails,
  answerHint,
  blockchainId,
  blockchainName,
  errorDescription,
  lockedCredential,
  LockedCredential,
  noop,
  noopAsync,
  pinLength,
  screenMessage,
  screenProgress,
  sdkVersion,
  type ChallengeRun,
  type Question,
  type Session,
} from "../node/generated/index";
import { isTerminal, latchkeyErrorInfo, screens } from "../src/screens";

const API_KEY = "lk_test_react_native_bindings_api_key";
let server: ChildProcess;
let baseUrl = "";

before(async () => {
  const bin = process.env.LATCHKEY_SERVER_BIN;
  assert.ok(bin && existsSync(bin), `LATCHKEY_SERVER_BIN must name the server binary (got ${bin})`);
  const dir = mkdtempSync(join(tmpdir(), "latchkey-rn-"));
  server = spawn(
    bin,
    [
      "--listen", "127.0.0.1:0",
      "--database-url", `sqlite://${dir}/latchkey.db`,
      "--data-dir", dir,
      "--argon2-memory-kib", "1024", "--argon2-iterations", "1",
      // Every request comes from 127.0.0.1: no per-IP/per-user rate limits in tests.
      "--rate-limit-ip-per-sec", "0", "--rate-limit-user-per-sec", "0",
    ],
    { env: { ...process.env, LATCHKEY_API_KEY: API_KEY }, stdio: ["ignore", "pipe", openSync(join(dir, "server.log"), "w")] },
  );
  const lines = createInterface({ input: server.stdout! });
  const first: string = await new Promise((resolve, reject) => {
    lines.once("line", resolve);
    server.once("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  const prefix = "latchkey-server listening on ";
  assert.ok(first.startsWith(prefix), `server did not start: ${first}`);
  baseUrl = first.slice(prefix.length).trim();
});

after(() => {
  server?.kill("SIGTERM");
});

const config = () =>
  ClientConfig.create({
    baseUrl,
    requestTimeoutMs: 5000,
    connectTimeoutMs: 2000,
    maxRetries: 2,
    initialBackoffMs: 20,
    maxBackoffMs: 200,
    pollIntervalMs: 20,
  });

const pin = (p: string) => Input.Pin.new({ pin: p });

function answerFor(q: Question): string {
  if (q.kind === QuestionKind.Date) return "1994-07-15";
  return q.id === "q01" ? "Rex" : "Springfield Elm Street";
}

async function account(prefix: string) {
  const admin = new AdminClient(config(), API_KEY);
  const client = new Client(config());
  const userId = `${prefix}-${randomUUID().slice(0, 12)}`;
  await admin.createUser(userId);
  const t = await admin.createUserToken(userId);
  const session = client.session(t.userToken, t.encryptionKey);
  const start = async (type: ChallengeType): Promise<ChallengeRun> => {
    // A key the caller keeps: retrying the whole call returns the same challenge.
    const key = admin.newIdempotencyKey();
    const id = await admin.createChallenge(t.userToken, type, key);
    assert.equal(await admin.createChallenge(t.userToken, type, key), id);
    return session.runChallenge(id);
  };
  return { admin, session, token: t.userToken, userId, start };
}

async function initialize(run: ChallengeRun, p: string): Promise<Screen> {
  await run.submit(pin(p));
  let s = await run.submit(pin(p));
  for (;;) {
    if (Screen.ChooseQuestion.instanceOf(s)) {
      s = await run.submit(Input.ChooseQuestion.new({ questionId: s.inner.options[0]!.id }));
    } else if (Screen.AnswerQuestion.instanceOf(s)) {
      s = await run.submit(Input.Answer.new({ answer: answerFor(s.inner.question), hint: "think of home" }));
    } else if (Screen.Review.instanceOf(s)) {
      assert.equal(s.inner.entries.length, 2);
      s = await run.submit(Input.Acknowledge.new());
    } else {
      return s;
    }
  }
}

async function rejects(p: Promise<unknown>, code: number, variant: (e: unknown) => boolean) {
  try {
    await p;
  } catch (e) {
    assert.ok(variant(e), `unexpected error ${String(e)}`);
    assert.ok(LatchkeyError.instanceOf(e));
    assert.equal(e.inner.code, code);
    return;
  }
  assert.fail(`expected LatchkeyError ${code}`);
}

test("full scenario: initialize, change PIN, lock, recover, new PIN works", async () => {
  const a = await account("rn-story");

  // INITIALIZE with a wallet: an insecure PIN and a mismatch are screens; then PIN + 2 questions.
  let run = await a.session.runChallenge(
    await a.admin.createInitializeWithWallets(a.token, [Blockchain.EthSepolia], undefined, undefined),
  );
  assert.deepEqual(run.blockchains(), [Blockchain.EthSepolia]);
  let s = run.screen();
  assert.ok(Screen.EnterPin.instanceOf(s) && s.inner.purpose === PinPurpose.New, String(s.tag));
  s = await run.submit(pin("123456"));
  assert.ok(Screen.EnterPin.instanceOf(s) && s.inner.error?.kind === InputErrorKind.InsecurePin);
  await run.submit(pin("135790"));
  s = await run.submit(pin("246801"));
  assert.ok(Screen.EnterPin.instanceOf(s) && s.inner.error?.kind === InputErrorKind.PinMismatch);
  s = await initialize(run, "135790");
  assert.ok(Screen.Done.instanceOf(s) && s.inner.result?.walletIds.length === 1, String(s.tag));
  assert.equal((await run.waitForResult(5000)).status, ChallengeStatus.Complete);
  const wallets = await a.session.wallets();
  assert.equal(wallets.length, 1);
  const wallet = wallets[0]!;
  assert.equal(wallet.blockchain, Blockchain.EthSepolia);
  assert.match(wallet.address, /^0x[0-9a-fA-F]{40}$/);
  await rejects(run.submit(pin("135790")), 155804, (e) => LatchkeyError.InvalidInput.instanceOf(e));
  let u = await a.admin.getUser(a.userId);
  assert.equal(u.pinStatus, CredentialStatus.Enabled);
  assert.equal(u.securityQuestionStatus, CredentialStatus.Enabled);

  // CHANGE_PIN 135790 -> 246801.
  run = await a.start(ChallengeType.ChangePin);
  await rejects(run.submit(Input.Acknowledge.new()), 155815, (e) => LatchkeyError.InvalidInput.instanceOf(e));
  assert.equal(run.pinLength(), 6);
  assert.equal(run.canGoBack(), false);
  s = await run.submit(pin("135790"));
  assert.ok(Screen.EnterPin.instanceOf(s) && s.inner.purpose === PinPurpose.New);
  assert.deepEqual(screenProgress(s), s.inner.progress);
  assert.equal(run.canGoBack(), false);
  await run.submit(pin("246801"));
  assert.equal(run.canGoBack(), true);
  assert.equal((await run.submit(pin("246801"))).tag, "Done");
  assert.equal(run.canGoBack(), false);
  assert.equal((await run.waitForResult(5000)).status, ChallengeStatus.Complete);

  // Three wrong PINs: locked, with an expiry.
  run = await a.start(ChallengeType.ChangePin);
  for (const left of [2, 1]) {
    s = await run.submit(pin("112358"));
    assert.ok(Screen.EnterPin.instanceOf(s) && s.inner.error?.kind === InputErrorKind.IncorrectPin);
    assert.equal(s.inner.attemptsLeft, left);
  }
  s = await run.submit(pin("112358"));
  assert.ok(Screen.Locked.instanceOf(s), s.tag);
  assert.equal(s.inner.code, 155119);
  assert.ok(s.inner.lockExpiry);
  assert.ok(Number(s.inner.lockExpiryUnix) - Date.now() / 1000 > 60);
  assert.equal(lockedCredential(s), LockedCredential.Pin);
  assert.equal(screenMessage(s), "PIN is locked after too many wrong attempts.");
  assert.equal(screenMessage(s), errorDescription(s.inner.code));
  // A lock that ends by waiting (the lifetime cap is not reached).
  assert.equal(s.inner.recoveryRequired, false);
  const failed = await run.waitForResult(5000);
  assert.equal(failed.status, ChallengeStatus.Failed);
  assert.equal(failed.errorCode, 155119);
  u = await a.admin.getUser(a.userId);
  assert.equal(u.pinStatus, CredentialStatus.Locked);
  assert.equal(u.pinDetails.failedAttempts, 3);
  // The device reads the same status with its session (no API key).
  assert.deepEqual(await a.session.user(), u);
  assert.equal(u.pinDetails.lockLevel, 1);
  assert.equal(u.pinDetails.failedAttemptsTotal, 3);
  assert.equal(u.pinDetails.recoveryRequired, false);

  // RESTORE_PIN with the answers (saved hint shown), new PIN 975310.
  run = await a.start(ChallengeType.RestorePin);
  s = run.screen();
  assert.ok(Screen.AnswerQuestion.instanceOf(s) && s.inner.savedHint === "think of home" && !s.inner.hintAllowed);
  while (Screen.AnswerQuestion.instanceOf(s)) {
    s = await run.submit(Input.Answer.new({ answer: answerFor(s.inner.question), hint: undefined }));
  }
  assert.ok(Screen.EnterPin.instanceOf(s) && s.inner.purpose === PinPurpose.New);
  await run.submit(pin("975310"));
  assert.equal((await run.submit(pin("975310"))).tag, "Done");
  assert.equal((await run.waitForResult(5000)).status, ChallengeStatus.Complete);
  u = await a.admin.getUser(a.userId);
  assert.equal(u.pinStatus, CredentialStatus.Enabled);
  assert.equal(u.pinDetails.failedAttempts, 0);

  // The new PIN signs with the wallet (watched through screens()); the old one is refused.
  run = await a.session.runChallenge(
    await a.admin.createSignMessage(a.token, wallet.id, "Send 5 USDC", false, "memo", undefined),
  );
  const seen: Screen[] = [];
  const watcher = (async () => {
    for await (const screen of screens<Screen>(run)) seen.push(screen);
  })();
  // The listener delivers the current screen first: wait for it before any input.
  while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
  s = run.screen();
  assert.ok(Screen.ReviewSignature.instanceOf(s), String(s.tag));
  const review = s.inner.review;
  assert.equal(review.wallet.address, wallet.address);
  assert.equal(review.memo, "memo");
  assert.ok(SignatureDetails.Message.instanceOf(review.details) && review.details.inner.text === "Send 5 USDC");
  await run.submit(Input.Acknowledge.new());
  s = await run.submit(pin("246801"));
  assert.ok(Screen.EnterPin.instanceOf(s) && s.inner.error?.kind === InputErrorKind.IncorrectPin && s.inner.attemptsLeft === 2);
  s = await run.submit(pin("975310"));
  assert.ok(Screen.Done.instanceOf(s) && /^0x[0-9a-f]{130}$/.test(s.inner.result?.signature ?? ""), String(s.tag));
  await watcher;
  assert.equal(seen[0]!.tag, "ReviewSignature");
  assert.ok(isTerminal(seen[seen.length - 1]!));
  assert.ok(seen.some((x) => x.tag === "Working"));
  assert.equal((await run.waitForResult(5000)).status, ChallengeStatus.Complete);
  assert.deepEqual(await a.session.pendingChallenges(), []);
  assert.equal((await a.session.challenges()).length, 5);

  // A rejected request signs nothing and fails with 155826.
  run = await a.session.runChallenge(
    await a.admin.createSignMessage(a.token, wallet.id, "Approve everything", false, undefined, undefined),
  );
  assert.equal(run.screen().tag, "ReviewSignature");
  s = await run.submit(Input.Reject.new());
  assert.ok(Screen.Failed.instanceOf(s) && s.inner.code === 155826, String(s.tag));
  const rejected = await run.waitForResult(5000);
  assert.equal(rejected.status, ChallengeStatus.Failed);
  assert.equal(rejected.errorCode, 155826);
});

test("errors tell the caller what to do", async () => {
  const client = new Client(config());
  assert.throws(
    () => client.session("some-token", "not-a-key"),
    (e: unknown) => LatchkeyError.InvalidKey.instanceOf(e) && e.inner.code === 155118,
  );
  assert.throws(
    () => new Client(ClientConfig.create({ baseUrl: "ftp://nope" })),
    (e: unknown) => LatchkeyError.InvalidInput.instanceOf(e) && e.inner.code === 155801,
  );
  const a = await account("rn-errors");
  await rejects(
    a.session.runChallenge("00000000-0000-4000-8000-000000000000"),
    155116,
    (e) => LatchkeyError.Server.instanceOf(e),
  );
  const run = await a.start(ChallengeType.Initialize);
  await rejects(run.back(), 155815, (e) => LatchkeyError.InvalidInput.instanceOf(e));
  try {
    await run.back();
    assert.fail("back on the first screen");
  } catch (e) {
    const info = latchkeyErrorInfo(e);
    assert.equal(info?.variant, "InvalidInput");
    assert.equal(info?.code, 155815);
    assert.ok(info?.detail);
  }
  assert.equal(latchkeyErrorInfo(new Error("not ours")), undefined);
  assert.equal((await run.cancel()).tag, "Cancelled");
  const c = await run.waitForResult(5000);
  assert.equal(c.status, ChallengeStatus.Failed);
  assert.equal(c.errorCode, 155701);
});

test("namespace functions and record defaults", async () => {
  noop();
  assert.equal(await noopAsync(), undefined);
  assert.equal(sdkVersion(), "0.1.0");
  const cfg = ClientConfig.create({ baseUrl: "http://127.0.0.1:1" });
  assert.equal(cfg.requestTimeoutMs, 15000);
  assert.equal(cfg.maxRetries, 3);
  assert.equal(pinLength(), 6);
  assert.equal(errorDescription(155112), "The PIN is incorrect.");
  assert.equal(answerHint(QuestionKind.Date), "A calendar date as YYYY-MM-DD, e.g. 1994-07-15.");
  assert.equal(blockchainId(Blockchain.EthSepolia), "ETH-SEPOLIA");
  assert.equal(blockchainName(Blockchain.Arb), "Arbitrum One");
});

// Keep the Session type import used for readers of the test.
export type { Session };

/** Shows the code (after the PIN for SET_RECOVERY_CODE), retypes the asked groups; returns them. */
async function setUpRecoveryCode(run: ChallengeRun, currentPin?: string): Promise<string[]> {
  let s = run.screen();
  if (currentPin !== undefined) s = await run.submit(pin(currentPin));
  // Never print this screen: it holds the code.
  assert.ok(Screen.ShowRecoveryCode.instanceOf(s), s.tag);
  const groups = [...s.inner.groups];
  assert.equal(groups.length, 7);
  assert.deepEqual(screenProgress(s), s.inner.progress);
  assert.equal(screenMessage(s), undefined);
  s = await run.submit(Input.Acknowledge.new());
  assert.ok(Screen.ConfirmRecoveryCode.instanceOf(s), s.tag);
  const asked = [...s.inner.groups];
  const others = [1, 2, 3, 4, 5, 6, 7].filter((g) => !asked.includes(g)).slice(0, 2);
  s = await run.submit(Input.RecoveryCode.new({ code: others.map((g) => groups[g - 1]).join(" ") }));
  assert.ok(Screen.ConfirmRecoveryCode.instanceOf(s) && s.inner.error?.kind === InputErrorKind.RecoveryCodeMismatch);
  assert.equal(s.inner.error?.code, 155869);
  s = await run.submit(Input.RecoveryCode.new({ code: asked.map((g) => groups[g - 1]!.toLowerCase()).join("-") }));
  assert.equal(s.tag, "Done");
  return groups;
}

test("recovery code: set up, recover with it, the code is burnt; INITIALIZE can set one up", async () => {
  const a = await account("rn-rcode");
  let run = await a.start(ChallengeType.Initialize);
  assert.equal((await initialize(run, "135790")).tag, "Done");
  await rejects(a.admin.createRestorePinWithCode(a.token, undefined), 155860, (e) =>
    LatchkeyError.Server.instanceOf(e),
  );
  run = await a.start(ChallengeType.SetRecoveryCode);
  const groups = await setUpRecoveryCode(run, "135790");
  assert.equal((await a.session.user()).recoveryCodeStatus, CredentialStatus.Enabled);

  run = await a.session.runChallenge(await a.admin.createRestorePinWithCode(a.token, undefined));
  let s = run.screen();
  assert.ok(Screen.EnterRecoveryCode.instanceOf(s), s.tag);
  assert.deepEqual([s.inner.groups, s.inner.groupLength, s.inner.attemptsLeft], [7, 5, 3]);
  s = await run.submit(Input.RecoveryCode.new({ code: groups.join(" ") }));
  assert.ok(Screen.EnterPin.instanceOf(s) && s.inner.purpose === PinPurpose.New, s.tag);
  await run.submit(pin("975310"));
  assert.equal((await run.submit(pin("975310"))).tag, "Done");
  assert.equal((await a.session.user()).recoveryCodeStatus, CredentialStatus.Unset);

  const b = await account("rn-rcode-init");
  run = await b.session.runChallenge(
    await b.admin.createInitializeWithRecoveryCode(b.token, [], undefined, undefined),
  );
  assert.equal((await initialize(run, "135790")).tag, "ShowRecoveryCode");
  await setUpRecoveryCode(run);
  assert.equal((await b.admin.getUser(b.userId)).recoveryCodeStatus, CredentialStatus.Enabled);
});
