import { useEffect, useState } from "react";
import { Switch, Text, TextInput, View } from "react-native";
import type { Screen } from "@latchkey/react-native";
import { styles } from "../styles";
import { Button, InputErrorText } from "./common";

type ShowRecoveryCode = InstanceType<typeof Screen.ShowRecoveryCode>;
type ConfirmRecoveryCode = InstanceType<typeof Screen.ConfirmRecoveryCode>;
type EnterRecoveryCode = InstanceType<typeof Screen.EnterRecoveryCode>;

/**
 * `Screen.ShowRecoveryCode`: the new code in its groups and the SDK's warning; "I wrote it down" goes on
 * (`Input.Acknowledge`). The groups are secret: drawn here, never logged or kept in state.
 */
export function ShowRecoveryCodeScreen(props: { screen: ShowRecoveryCode; disabled: boolean; onWrittenDown: () => void }) {
  const s = props.screen.inner;
  const [agreed, setAgreed] = useState(false);
  useEffect(() => setAgreed(false), [props.screen]);
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Your recovery code</Text>
      <View style={[styles.card, { flexDirection: "row", flexWrap: "wrap", gap: 12 }]}>
        {s.groups.map((g, i) => (
          <Text key={i} style={[styles.body, { fontFamily: "monospace", fontSize: 18 }]}>
            {i + 1}. {g}
          </Text>
        ))}
      </View>
      <Text style={styles.error}>{s.warning}</Text>
      <View style={styles.row}>
        <Switch value={agreed} onValueChange={setAgreed} />
        <Text style={styles.body}>I wrote it down</Text>
      </View>
      <View style={{ marginTop: "auto" }}>
        <Button label="Continue" disabled={props.disabled || !agreed} onPress={props.onWrittenDown} />
      </View>
    </View>
  );
}

/** `Screen.ConfirmRecoveryCode`: retype the groups the SDK picked (`Input.RecoveryCode`); Back shows the code again. */
export function ConfirmRecoveryCodeScreen(props: { screen: ConfirmRecoveryCode; disabled: boolean; onCode: (code: string) => void }) {
  const s = props.screen.inner;
  const [typed, setTyped] = useState("");
  useEffect(() => setTyped(""), [props.screen]);
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Check your copy</Text>
      <Text style={styles.body}>Type {s.groups.map((g) => `group ${g}`).join(" and ")} of your recovery code, in that order.</Text>
      <InputErrorText error={s.error} />
      <TextInput style={styles.input} value={typed} onChangeText={setTyped} autoCapitalize="characters" autoCorrect={false} placeholder="Groups" />
      <View style={{ marginTop: "auto" }}>
        <Button label="Save code" disabled={props.disabled || typed.trim() === ""} onPress={() => props.onCode(typed)} />
      </View>
    </View>
  );
}

/** `Screen.EnterRecoveryCode`: the whole code; a typo is named by group and costs nothing. */
export function EnterRecoveryCodeScreen(props: { screen: EnterRecoveryCode; disabled: boolean; onCode: (code: string) => void }) {
  const s = props.screen.inner;
  const [typed, setTyped] = useState("");
  useEffect(() => setTyped(""), [props.screen]);
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Enter your recovery code</Text>
      <Text style={styles.body}>
        The {s.groups} groups of {s.groupLength} characters you wrote down. Spaces, dashes and case do not matter.
      </Text>
      <InputErrorText error={s.error} attemptsLeft={s.error !== undefined ? s.attemptsLeft : undefined} />
      <TextInput style={styles.input} value={typed} onChangeText={setTyped} autoCapitalize="characters" autoCorrect={false} placeholder="Recovery code" />
      <View style={{ marginTop: "auto" }}>
        <Button label="Continue" disabled={props.disabled || typed.trim() === ""} onPress={() => props.onCode(typed)} />
      </View>
    </View>
  );
}
