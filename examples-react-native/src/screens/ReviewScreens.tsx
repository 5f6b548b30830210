import { useState } from "react";
import { Switch, Text, View } from "react-native";
import type { Screen } from "@latchkey/react-native";
import { styles } from "../styles";
import { Button } from "./common";

type Review = InstanceType<typeof Screen.Review>;
type AuthorizeMessage = InstanceType<typeof Screen.AuthorizeMessage>;

/** `Screen.Review`: chosen questions, hints, and the SDK's warning to acknowledge. */
export function ReviewScreen(props: { screen: Review; disabled: boolean; onAcknowledge: () => void }) {
  const s = props.screen.inner;
  const [agreed, setAgreed] = useState(false);
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Review your security questions</Text>
      {s.entries.map((e) => (
        <View key={e.question.id} style={styles.card}>
          <Text style={{ fontWeight: "600" }}>{e.question.text}</Text>
          <Text>{e.hint !== undefined ? `Hint: ${e.hint}` : "No hint"}</Text>
        </View>
      ))}
      <Text style={styles.error}>{s.acknowledgement}</Text>
      <View style={styles.row}>
        <Switch value={agreed} onValueChange={setAgreed} />
        <Text style={styles.body}>I understand</Text>
      </View>
      <View style={{ marginTop: "auto" }}>
        <Button label="Save" disabled={props.disabled || !agreed} onPress={props.onAcknowledge} />
      </View>
    </View>
  );
}

/** `Screen.AuthorizeMessage`: the message to approve with the PIN. */
export function AuthorizeMessageScreen(props: { screen: AuthorizeMessage; disabled: boolean; onApprove: () => void; onReject: () => void }) {
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Sign this message?</Text>
      <Text style={styles.body}>Approve only if you started this request.</Text>
      <View style={styles.card}>
        <Text style={{ fontFamily: "monospace", fontSize: 16 }}>{props.screen.inner.message}</Text>
      </View>
      <View style={{ marginTop: "auto", gap: 8 }}>
        <Button label="Approve with PIN" disabled={props.disabled} onPress={props.onApprove} />
        <Button label="Reject" outline disabled={props.disabled} onPress={props.onReject} />
      </View>
    </View>
  );
}
