/**
 * `useChallenge(run)` rendered by React (react-test-renderer) on Node, over the Node (napi) flavour
 * of the SDK, the same bindings the package's own tests use, against a real `latchkey-server` on
 * loopback (LATCHKEY_SERVER_BIN). The hook walks the story the app's buttons walk: set up PIN +
 * questions + a wallet (insecure PIN, back, mismatch), sign a message (review, approve, PIN), reject
 * one, change PIN, three wrong PINs lock it, recover with the answers, sign in again and sign with
 * the new PIN (the old one is refused) and the same address.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";
import { createElement } from "react";
import { create, type ReactTestRenderer } from "react-test-renderer";

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
  PinPurpose,
  QuestionKind,
  Screen,
  SignatureDetails,
  type ChallengeRunLike,
  type Question,
} from "../../bindings/react-native/node/generated/index";
import { useChallenge, type Challenge } from "../src/useChallenge";

// Updates arrive from the SDK's listener outside act(): let React schedule them normally.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const API_KEY = "lk_test_sample_react_native_api_key";
let server: ChildProcess;
let baseUrl = "";

before(async () => {
  const bin = process.env.LATCHKEY_SERVER_BIN;
  assert.ok(bin && existsSync(bin), `LATCHKEY_SERVER_BIN must name the server binary (got ${bin})`);
  const dir = mkdtempSync(join(tmpdir(), "latchkey-rn-sample-"));
  server = spawn(
    bin,
    ["--listen", "127.0.0.1:0", "--database-url", `sqlite://${dir}/latchkey.db`, "--data-dir", dir, "--argon2-memory-kib", "1024", "--argon2-iterations", "1", "--rate-limit-ip-per-sec", "0", "--rate-limit-user-per-sec", "0"],
    { env: { ...process.env, LATCHKEY_API_KEY: API_KEY }, stdio: ["ignore", "pipe", openSync(join(dir, "server.log"), "w")] },
  );
  const first: string = await new Promise((resolve, reject) => {
    createInterface({ input: server.stdout! }).once("line", resolve);
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
  ClientConfig.create({ baseUrl, requestTimeoutMs: 5000, connectTimeoutMs: 2000, maxRetries: 2, initialBackoffMs: 20, maxBackoffMs: 200, pollIntervalMs: 20 });

type Hook = Challenge<Screen, Input>;

/** Renders the hook for `run`; `get()` is its latest result. */
function mount(run: ChallengeRunLike): { get: () => Hook; rendered: () => boolean; unmount: () => void } {
  let latest: Hook | undefined;
  function Probe(props: { run: ChallengeRunLike }) {
    latest = useChallenge<Screen, Input>(props.run);
    return null;
  }
  const r: ReactTestRenderer = create(createElement(Probe, { run }));
  return {
    get: () => {
      assert.ok(latest, "the hook has not rendered yet");
      return latest;
    },
    rendered: () => latest !== undefined,
    unmount: () => r.unmount(),
  };
}

/** Waits until the hook shows a screen matching `pred` with no call in flight. */
async function until(h: { get: () => Hook; rendered: () => boolean }, what: string, pred: (s: Screen) => boolean): Promise<Screen> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!h.rendered()) {
      assert.ok(Date.now() < deadline, `waiting for ${what}: the hook never rendered`);
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const c = h.get();
    if (!c.busy && c.screen !== undefined && pred(c.screen)) return c.screen;
    if (Date.now() > deadline) assert.fail(`waiting for ${what}; screen is ${c.screen?.tag}, error ${JSON.stringify(c.error)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits (up to 10 s) for a condition on rendered state. */
async function eventually(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pin = (p: string) => Input.Pin.new({ pin: p });
const answerFor = (q: Question) => (q.kind === QuestionKind.Date ? "1994-07-15" : "  Springfield   ELM street ");
const isPin = (s: Screen, purpose: PinPurpose) => Screen.EnterPin.instanceOf(s) && s.inner.purpose === purpose;

async function signIn(admin: AdminClient, userId: string) {
  const t = await admin.createUserToken(userId);
  const session = new Client(config()).session(t.userToken, t.encryptionKey);
  return {
    token: t.userToken,
    wallets: () => session.wallets(),
    user: () => session.user(),
    setUp: async () => session.runChallenge(await admin.createInitializeWithWallets(t.userToken, [Blockchain.EthSepolia], undefined, undefined)),
    start: async (type: ChallengeType) => session.runChallenge(await admin.createChallenge(t.userToken, type, undefined)),
    sign: async (walletId: string, message: string) =>
      session.runChallenge(await admin.createSignMessage(t.userToken, walletId, message, false, "story", undefined)),
  };
}

/**
 * Signs `message` through the hook: the SDK's review names the wallet, the text and its bytes;
 * approve, (a refused `wrongPin` first, if given), the PIN; returns the signature on Done.
 */
async function signMessage(
  me: Awaited<ReturnType<typeof signIn>>,
  wallet: { id: string; address: string },
  message: string,
  goodPin: string,
  wrongPin?: string,
): Promise<string> {
  const run = await me.sign(wallet.id, message);
  const h = mount(run);
  const s = await until(h, "review", (x) => Screen.ReviewSignature.instanceOf(x));
  assert.ok(Screen.ReviewSignature.instanceOf(s));
  const review = s.inner.review;
  assert.equal(review.wallet.address, wallet.address);
  assert.equal(review.wallet.blockchain, Blockchain.EthSepolia);
  assert.equal(review.memo, "story");
  assert.ok(SignatureDetails.Message.instanceOf(review.details));
  assert.equal(review.details.inner.text, message);
  assert.equal(review.details.inner.hex.toLowerCase(), "0x" + Buffer.from(message, "utf8").toString("hex"));
  assert.equal(Number(review.details.inner.byteLength), Buffer.byteLength(message, "utf8"));
  await h.get().submit(Input.Acknowledge.new());
  await until(h, "PIN", (x) => isPin(x, PinPurpose.Current));
  if (wrongPin !== undefined) {
    await h.get().submit(pin(wrongPin));
    await until(h, "wrong PIN refused", (x) => Screen.EnterPin.instanceOf(x) && x.inner.error?.kind === InputErrorKind.IncorrectPin && x.inner.attemptsLeft === 2);
  }
  await h.get().submit(pin(goodPin));
  const done = await until(h, "signed", (x) => x.tag === "Done");
  assert.ok(Screen.Done.instanceOf(done));
  const signature = done.inner.result?.signature;
  assert.ok(signature !== undefined && /^0x[0-9a-fA-F]{130}$/.test(signature), `signature ${signature}`);
  assert.ok(/(1b|1c)$/i.test(signature), `v is 27 or 28: ${signature}`);
  assert.equal((await run.waitForResult(5000)).status, ChallengeStatus.Complete);
  h.unmount();
  return signature;
}

test("the hook walks set-up, change PIN, lock, recovery and signing against a real server", async () => {
  const admin = new AdminClient(config(), API_KEY);
  const userId = `rn-sample-${randomUUID().slice(0, 12)}`;
  await admin.createUser(userId);
  let me = await signIn(admin, userId);

  // ---- set up with a wallet: insecure PIN, back, mismatch, then PIN + two questions + review.
  let run = await me.setUp();
  let h = mount(run);
  await until(h, "new PIN", (s) => isPin(s, PinPurpose.New));
  await h.get().submit(pin("123456"));
  await until(h, "insecure", (s) => Screen.EnterPin.instanceOf(s) && s.inner.error?.kind === InputErrorKind.InsecurePin);
  await h.get().submit(pin("135790"));
  await until(h, "confirm", (s) => isPin(s, PinPurpose.Confirm));
  await h.get().back();
  await until(h, "back to new", (s) => isPin(s, PinPurpose.New));
  await h.get().submit(pin("135790"));
  await h.get().submit(pin("246801"));
  await until(h, "mismatch", (s) => Screen.EnterPin.instanceOf(s) && s.inner.error?.kind === InputErrorKind.PinMismatch);
  await h.get().submit(pin("135790"));
  await h.get().submit(pin("135790"));
  let s = await until(h, "first question", (x) => Screen.ChooseQuestion.instanceOf(x));
  while (!Screen.Review.instanceOf(s)) {
    const prev = s;
    if (Screen.ChooseQuestion.instanceOf(s)) await h.get().submit(Input.ChooseQuestion.new({ questionId: s.inner.options[0]!.id }));
    else if (Screen.AnswerQuestion.instanceOf(s)) await h.get().submit(Input.Answer.new({ answer: answerFor(s.inner.question), hint: "think of home" }));
    else assert.fail(`unexpected ${s.tag}`);
    s = await until(h, "question or review", (x) => x !== prev && ["ChooseQuestion", "AnswerQuestion", "Review"].includes(x.tag));
  }
  assert.equal(s.inner.entries.length, 2);
  await h.get().submit(Input.Acknowledge.new());
  const setUp = await until(h, "done", (x) => x.tag === "Done");
  assert.ok(h.get().finished);
  assert.ok(Screen.Done.instanceOf(setUp));
  const walletIds = setUp.inner.result?.walletIds ?? [];
  assert.equal(walletIds.length, 1, `one wallet: ${JSON.stringify(walletIds)}`);
  // A call on a finished run is refused: the hook shows the SDK's error instead of throwing.
  await h.get().submit(pin("135790"));
  await eventually("the refused call's error", () => h.rendered() && h.get().error !== undefined);
  assert.equal(h.get().error?.code, 155804);
  assert.equal(h.get().error?.variant, "InvalidInput");
  assert.equal(h.get().screen?.tag, "Done");
  assert.equal((await run.waitForResult(5000)).status, ChallengeStatus.Complete);
  h.unmount();

  // ---- the home's wallet list (Session.wallets()).
  const wallets = await me.wallets();
  assert.equal(wallets.length, 1);
  const wallet = wallets[0]!;
  assert.equal(wallet.id, walletIds[0]);
  assert.equal(wallet.blockchain, Blockchain.EthSepolia);
  assert.match(wallet.address, /^0x[0-9a-fA-F]{40}$/);

  // ---- sign a message: review, approve, PIN, signature.
  await signMessage(me, wallet, "Hello from the story", "135790");

  // ---- one rejection: nothing signed, the run fails with 155826.
  run = await me.sign(wallet.id, "Send everything to 0xdead");
  h = mount(run);
  await until(h, "review to reject", (x) => Screen.ReviewSignature.instanceOf(x));
  await h.get().submit(Input.Reject.new());
  const rejected = await until(h, "rejected", (x) => Screen.Failed.instanceOf(x));
  assert.ok(Screen.Failed.instanceOf(rejected));
  assert.equal(rejected.inner.code, 155826);
  h.unmount();

  // ---- change PIN 135790 -> 246801.
  run = await me.start(ChallengeType.ChangePin);
  h = mount(run);
  await until(h, "current", (x) => isPin(x, PinPurpose.Current));
  await h.get().submit(pin("135790"));
  await until(h, "new", (x) => isPin(x, PinPurpose.New));
  await h.get().submit(pin("246801"));
  await h.get().submit(pin("246801"));
  await until(h, "done", (x) => x.tag === "Done");
  h.unmount();

  // ---- three wrong PINs: 2 and 1 attempts left, then locked with a future expiry.
  run = await me.start(ChallengeType.ChangePin);
  h = mount(run);
  await until(h, "current PIN", (x) => isPin(x, PinPurpose.Current));
  for (const left of [2, 1]) {
    await h.get().submit(pin("112358"));
    await until(h, `${left} left`, (x) => Screen.EnterPin.instanceOf(x) && x.inner.attemptsLeft === left && x.inner.error?.kind === InputErrorKind.IncorrectPin);
  }
  await h.get().submit(pin("112358"));
  const locked = await until(h, "locked", (x) => Screen.Locked.instanceOf(x));
  assert.ok(Screen.Locked.instanceOf(locked));
  assert.equal(locked.inner.code, 155119);
  assert.ok(Number(locked.inner.lockExpiryUnix) > Date.now() / 1000 + 60);
  h.unmount();
  // The home reads the lock with the device's session (`Session.user()`, no API key).
  let user = await me.user();
  assert.equal(user.pinStatus, CredentialStatus.Locked);
  assert.equal(user.pinDetails.failedAttempts, 3);
  assert.ok(user.pinDetails.lockedExpiryDate);

  // ---- forgot PIN: saved hint, answers (normalised by the SDK), new PIN 975310.
  run = await me.start(ChallengeType.RestorePin);
  h = mount(run);
  s = await until(h, "answer", (x) => Screen.AnswerQuestion.instanceOf(x));
  assert.ok(Screen.AnswerQuestion.instanceOf(s) && s.inner.savedHint === "think of home" && !s.inner.hintAllowed);
  while (Screen.AnswerQuestion.instanceOf(s)) {
    const prev = s;
    await h.get().submit(Input.Answer.new({ answer: answerFor(s.inner.question), hint: undefined }));
    s = await until(h, "answer or new PIN", (x) => (Screen.AnswerQuestion.instanceOf(x) && x !== prev) || Screen.EnterPin.instanceOf(x));
  }
  assert.ok(isPin(s, PinPurpose.New));
  await h.get().submit(pin("975310"));
  await h.get().submit(pin("975310"));
  await until(h, "done", (x) => x.tag === "Done");
  h.unmount();
  user = await me.user();
  assert.equal(user.pinStatus, CredentialStatus.Enabled);
  assert.equal(user.pinDetails.failedAttempts, 0);

  // ---- sign in again (new session): same wallet and address; old PIN refused, new PIN signs.
  me = await signIn(admin, userId);
  assert.deepEqual(
    (await me.wallets()).map((w) => [w.id, w.address]),
    [[wallet.id, wallet.address]],
  );
  await signMessage(me, wallet, "Send 5 USDC", "975310", "246801");
});

test("back on the first screen and cancel leave the challenge", async () => {
  const admin = new AdminClient(config(), API_KEY);
  const userId = `rn-sample-${randomUUID().slice(0, 12)}`;
  await admin.createUser(userId);
  const me = await signIn(admin, userId);
  let run = await me.start(ChallengeType.Initialize);
  let h = mount(run);
  await until(h, "new PIN", (s) => isPin(s, PinPurpose.New));
  await h.get().back();
  await until(h, "cancelled", (s) => s.tag === "Cancelled");
  assert.equal((await run.waitForResult(5000)).errorCode, 155701);
  h.unmount();
  run = await me.start(ChallengeType.Initialize);
  h = mount(run);
  await until(h, "new PIN", (s) => isPin(s, PinPurpose.New));
  await h.get().cancel();
  await until(h, "cancelled", (s) => s.tag === "Cancelled");
  h.unmount();
});
