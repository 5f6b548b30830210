import { Text, View } from "react-native";
import { blockchainId, CredentialStatus, WalletState, type CredentialDetails, type User, type Wallet } from "@latchkey/react-native";
import { Button } from "./screens/common";
import { styles } from "./styles";

/** What the home offers; each starts one challenge. */
export type WalletAction =
  | "setUp"
  | "createWallet"
  | "setQuestions"
  | "changePin"
  | "forgotPin"
  | "signMessage"
  | "setRecoveryCode"
  | "forgotPinWithCode";

/** The user's wallets: blockchain and address (one key: the same address on every EVM chain). */
function WalletsCard(props: { wallets: Wallet[] }) {
  return (
    <View style={styles.card}>
      <Text style={{ fontSize: 16, fontWeight: "600" }}>{props.wallets.length === 1 ? "Wallet" : `Wallets (${props.wallets.length})`}</Text>
      {props.wallets.map((w) => (
        <View key={w.id}>
          <Text style={{ fontWeight: "600" }}>
            {blockchainId(w.blockchain)}
            {w.state === WalletState.Frozen ? " (frozen)" : ""}
          </Text>
          <Text selectable style={{ fontFamily: "monospace", fontSize: 13 }}>
            {w.address}
          </Text>
        </View>
      ))}
    </View>
  );
}

function StatusCard(props: { name: string; status: CredentialStatus; details: CredentialDetails }) {
  const { status } = props;
  const { failedAttempts, lockedExpiryDate: lockedUntil } = props.details;
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

/** The wallet home: the wallets, PIN and security-question status (`Session.user()`), and the actions they allow. */
export function HomeScreen(props: { account: User; wallets: Wallet[]; busy: boolean; onAction: (a: WalletAction) => void; onRefresh: () => void; onSignOut: () => void }) {
  const { account, busy, onAction } = props;
  const pin = account.pinStatus;
  const questions = account.securityQuestionStatus;
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Wallet</Text>
      <Text style={styles.body}>Signed in as {account.id}</Text>
      {props.wallets.length > 0 && <WalletsCard wallets={props.wallets} />}
      <StatusCard name="PIN" status={account.pinStatus} details={account.pinDetails} />
      <StatusCard name="Security questions" status={account.securityQuestionStatus} details={account.securityQuestionDetails} />
      {/* Questions and recovery codes share one guess count (and so one lock). */}
      <StatusCard name="Recovery code" status={account.recoveryCodeStatus} details={account.securityQuestionDetails} />
      {pin === CredentialStatus.Unset && <Button label="Create your wallet: PIN and security questions" disabled={busy} onPress={() => onAction("setUp")} />}
      {pin !== CredentialStatus.Unset && questions === CredentialStatus.Unset && (
        <Button label="Set up security questions" disabled={busy} onPress={() => onAction("setQuestions")} />
      )}
      {pin === CredentialStatus.Enabled && props.wallets.length > 0 && <Button label="Sign a message" disabled={busy} onPress={() => onAction("signMessage")} />}
      {pin === CredentialStatus.Enabled && props.wallets.length === 0 && <Button label="Create a wallet" disabled={busy} onPress={() => onAction("createWallet")} />}
      {pin === CredentialStatus.Enabled && <Button label="Change PIN" outline disabled={busy} onPress={() => onAction("changePin")} />}
      {pin !== CredentialStatus.Unset && questions !== CredentialStatus.Unset && (
        <Button label="Forgot PIN" outline disabled={busy} onPress={() => onAction("forgotPin")} />
      )}
      {/* After a recovery by code the code is used up (Unset): offer a new one. */}
      {pin === CredentialStatus.Enabled && (
        <Button
          label={account.recoveryCodeStatus === CredentialStatus.Unset ? "Set up a recovery code" : "Replace recovery code"}
          outline
          disabled={busy}
          onPress={() => onAction("setRecoveryCode")}
        />
      )}
      {pin !== CredentialStatus.Unset && account.recoveryCodeStatus !== CredentialStatus.Unset && (
        <Button label="Forgot PIN: use recovery code" outline disabled={busy} onPress={() => onAction("forgotPinWithCode")} />
      )}
      <View style={[styles.row, { marginTop: "auto" }]}>
        <View style={{ flex: 1 }}><Button label="Refresh" outline disabled={busy} onPress={props.onRefresh} /></View>
        <View style={{ flex: 1 }}><Button label="Sign out" outline onPress={props.onSignOut} /></View>
      </View>
    </View>
  );
}
