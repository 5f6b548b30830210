import { useEffect, useState } from "react";
import { ActivityIndicator, Text, View } from "react-native";
import { ChallengeType, LockedCredential, lockedCredential, type ChallengeResult, type Screen } from "@latchkey/react-native";
import { styles } from "../styles";
import { Button, StatusView } from "./common";

type Working = InstanceType<typeof Screen.Working>;
type Interrupted = InstanceType<typeof Screen.Interrupted>;
type Failed = InstanceType<typeof Screen.Failed>;
type Locked = InstanceType<typeof Screen.Locked>;

/** `Screen.Working`: a request is in flight (cancel stays in the top bar). */
export function WorkingScreen(props: { screen: Working }) {
  const step = props.screen.inner.step;
  return (
    <View style={styles.center}>
      <ActivityIndicator size="large" />
      <Text style={styles.body}>
        {step === "CURRENT_PIN" ? "Checking your PIN…" : step === "ANSWERS" ? "Checking your answers…" : "Saving…"}
      </Text>
    </View>
  );
}

/** `Screen.Interrupted`: retry the step (counted once) or cancel. */
export function InterruptedScreen(props: { screen: Interrupted; disabled: boolean; onRetry: () => void; onCancel: () => void }) {
  const s = props.screen.inner;
  return (
    <StatusView icon="↻" title="Connection problem" text={`${s.detail}\n(error ${s.code})`}>
      <Button label="Try again" disabled={props.disabled} onPress={props.onRetry} />
      <Button label="Cancel" outline onPress={props.onCancel} />
    </StatusView>
  );
}

const DONE_TEXT: Record<ChallengeType, string> = {
  [ChallengeType.Initialize]: "Your PIN and security questions are set.",
  [ChallengeType.SetPin]: "Your PIN is set.",
  [ChallengeType.ChangePin]: "Your PIN was changed.",
  [ChallengeType.SetSecurityQuestions]: "Your security questions are set.",
  [ChallengeType.RestorePin]: "Your new PIN is set. Your wallets and addresses are unchanged.",
  [ChallengeType.SignMessage]: "The message was signed.",
  [ChallengeType.SignTypedData]: "The data was signed.",
  [ChallengeType.SignTransaction]: "The transaction was signed. It was not sent.",
  [ChallengeType.CreateWallet]: "Your wallet was created.",
  [ChallengeType.Unknown]: "Finished.",
  [ChallengeType.SetRecoveryCode]: "Your recovery code is saved. Keep your copy safe.",
  [ChallengeType.SetCloudBackup]: "Your cloud backup is set up.",
};

/** A produced value (signature, raw transaction, hash), selectable for copying. */
function ResultCard(props: { label: string; value: string }) {
  return (
    <View style={styles.card}>
      <Text style={styles.small}>{props.label}</Text>
      <Text selectable numberOfLines={6} style={{ fontFamily: "monospace", fontSize: 13 }}>
        {props.value}
      </Text>
    </View>
  );
}

/** `Screen.Done`: what the challenge produced (signature, signed transaction), if anything. */
export function DoneScreen(props: { type: ChallengeType; result?: ChallengeResult; onClose: () => void }) {
  const r = props.result;
  const text =
    props.type === ChallengeType.Initialize && (r?.walletIds.length ?? 0) > 0
      ? "Your PIN, security questions and wallet are set."
      : DONE_TEXT[props.type];
  return (
    <StatusView icon="✓" title="Done" text={text}>
      {r?.signature !== undefined && <ResultCard label="Signature" value={r.signature} />}
      {r?.signedTransaction !== undefined && <ResultCard label="Signed transaction" value={r.signedTransaction} />}
      {r?.txHash !== undefined && <ResultCard label="Transaction hash" value={r.txHash} />}
      <Button label="Back to wallet" onPress={props.onClose} />
    </StatusView>
  );
}

/** 155826: the user rejected the signature request on the review screen; nothing was signed. */
const USER_REJECTED = 155826;

/** `Screen.Failed`: the SDK's explanation and code (a rejected signature is the user's choice, not an error). */
export function FailedScreen(props: { screen: Failed; onClose: () => void }) {
  const s = props.screen.inner;
  const rejected = s.code === USER_REJECTED;
  return (
    <StatusView icon={rejected ? "✕" : "⚠"} title={rejected ? "Not signed" : "Something went wrong"} text={`${s.detail}\n(error ${s.code})`}>
      <Button label="Close" onPress={props.onClose} />
    </StatusView>
  );
}

/** `m:ss` / `h:mm:ss` of a number of seconds (0 once past). */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

/** `Screen.Locked`: a countdown to the lock's expiry. */
export function LockedScreen(props: { screen: Locked; onClose: () => void }) {
  const s = props.screen.inner;
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(t);
  }, []);
  const until = s.lockExpiryUnix === undefined ? undefined : Number(s.lockExpiryUnix);
  const what = lockedCredential(props.screen) === LockedCredential.SecurityQuestions ? "Too many wrong answers." : "Too many wrong PINs.";
  const when = until === undefined ? "Try again later." : `Try again in ${countdown(until - now)}.`;
  return (
    <StatusView icon="🔒" title="Locked" text={`${what}\n${when}\n(error ${s.code})`}>
      <Button label="Close" onPress={props.onClose} />
    </StatusView>
  );
}

/** `Screen.Cancelled`. */
export function CancelledScreen(props: { onClose: () => void }) {
  return (
    <StatusView icon="✕" title="Cancelled" text="Nothing was changed.">
      <Button label="Back to wallet" onPress={props.onClose} />
    </StatusView>
  );
}
