import { useEffect, useState } from "react";
import { ActivityIndicator, Text, View } from "react-native";
import { ChallengeType, type Screen } from "@latchkey/react-native";
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
  [ChallengeType.RestorePin]: "Your new PIN is set.",
  [ChallengeType.SignMessage]: "The message was signed.",
  [ChallengeType.Unknown]: "Finished.",
};

/** `Screen.Done`. */
export function DoneScreen(props: { type: ChallengeType; onClose: () => void }) {
  return (
    <StatusView icon="✓" title="Done" text={DONE_TEXT[props.type]}>
      <Button label="Back to wallet" onPress={props.onClose} />
    </StatusView>
  );
}

/** `Screen.Failed`: the SDK's explanation and code. */
export function FailedScreen(props: { screen: Failed; onClose: () => void }) {
  const s = props.screen.inner;
  return (
    <StatusView icon="⚠" title="Something went wrong" text={`${s.detail}\n(error ${s.code})`}>
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

/** 155119: the PIN is locked (155120: the answers are). The Locked screen carries no text yet. */
const PIN_LOCKED = 155119;

/** `Screen.Locked`: a countdown to the lock's expiry. */
export function LockedScreen(props: { screen: Locked; onClose: () => void }) {
  const s = props.screen.inner;
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() / 1000), 1000);
    return () => clearInterval(t);
  }, []);
  const until = s.lockExpiryUnix === undefined ? undefined : Number(s.lockExpiryUnix);
  const what = s.code === PIN_LOCKED ? "Too many wrong PINs." : "Too many wrong answers.";
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
