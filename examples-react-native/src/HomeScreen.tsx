import { Text, View } from "react-native";
import { CredentialStatus } from "@latchkey/react-native";
import type { AccountStatus, CredentialState } from "./backend";
import { Button } from "./screens/common";
import { styles } from "./styles";

/** What the home offers; each starts one challenge. */
export type WalletAction = "setUp" | "setQuestions" | "changePin" | "forgotPin" | "signMessage";

function StatusCard(props: { name: string; state: CredentialState }) {
  const { status, failedAttempts, lockedUntil } = props.state;
  const text =
    status === CredentialStatus.Enabled ? "Set"
    : status === CredentialStatus.Unset ? "Not set"
    : status === CredentialStatus.Locked ? `Locked${lockedUntil ? ` until ${lockedUntil}` : ""}`
    : "Unknown";
  return (
    <View style={styles.card}>
      <Text style={{ fontSize: 16, fontWeight: "600" }}>{props.name}</Text>
      <Text>{text}</Text>
      {failedAttempts > 0 && status !== CredentialStatus.Locked && <Text style={styles.small}>{failedAttempts} wrong attempt(s)</Text>}
    </View>
  );
}

/** The wallet home: PIN and security-question status and the actions they allow. */
export function HomeScreen(props: { account: AccountStatus; busy: boolean; onAction: (a: WalletAction) => void; onRefresh: () => void; onSignOut: () => void }) {
  const { account, busy, onAction } = props;
  const pin = account.pin.status;
  const questions = account.questions.status;
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Wallet</Text>
      <Text style={styles.body}>Signed in as {account.userId}</Text>
      <StatusCard name="PIN" state={account.pin} />
      <StatusCard name="Security questions" state={account.questions} />
      {pin === CredentialStatus.Unset && <Button label="Set up PIN and security questions" disabled={busy} onPress={() => onAction("setUp")} />}
      {pin !== CredentialStatus.Unset && questions === CredentialStatus.Unset && (
        <Button label="Set up security questions" disabled={busy} onPress={() => onAction("setQuestions")} />
      )}
      {pin === CredentialStatus.Enabled && <Button label="Sign a message" disabled={busy} onPress={() => onAction("signMessage")} />}
      {pin === CredentialStatus.Enabled && <Button label="Change PIN" outline disabled={busy} onPress={() => onAction("changePin")} />}
      {pin !== CredentialStatus.Unset && questions !== CredentialStatus.Unset && (
        <Button label="Forgot PIN" outline disabled={busy} onPress={() => onAction("forgotPin")} />
      )}
      <View style={[styles.row, { marginTop: "auto" }]}>
        <View style={{ flex: 1 }}><Button label="Refresh" outline disabled={busy} onPress={props.onRefresh} /></View>
        <View style={{ flex: 1 }}><Button label="Sign out" outline onPress={props.onSignOut} /></View>
      </View>
    </View>
  );
}
