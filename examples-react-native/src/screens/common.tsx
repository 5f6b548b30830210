import type { ReactNode } from "react";
import { Pressable, Text, View } from "react-native";
import type { InputError } from "@latchkey/react-native";
import { styles } from "../styles";

/** A filled (primary) or outlined button. */
export function Button(props: { label: string; onPress: () => void; disabled?: boolean; outline?: boolean }) {
  const { label, onPress, disabled, outline } = props;
  return (
    <Pressable
      accessibilityRole="button"
      onPress={onPress}
      disabled={disabled}
      style={[outline ? styles.outline : styles.button, disabled ? { opacity: 0.4 } : null]}
    >
      <Text style={outline ? styles.outlineText : styles.buttonText}>{label}</Text>
    </Pressable>
  );
}

/** "You have N attempts left". */
export function attemptsLeftText(n: number): string {
  return n === 1 ? "You have 1 attempt left" : `You have ${n} attempts left`;
}

/** The SDK's explanation of a refused input, and attempts left. */
export function InputErrorText(props: { error?: InputError; attemptsLeft?: number }) {
  const { error, attemptsLeft } = props;
  if (error === undefined && attemptsLeft === undefined) return null;
  return (
    <View style={styles.error}>
      {error !== undefined && <Text>{error.detail}</Text>}
      {attemptsLeft !== undefined && <Text style={{ fontWeight: "600" }}>{attemptsLeftText(attemptsLeft)}</Text>}
    </View>
  );
}

/** Icon, title, text and actions, centred (status screens). */
export function StatusView(props: { icon: string; title: string; text: string; children?: ReactNode }) {
  return (
    <View style={styles.center}>
      <Text style={{ fontSize: 56 }}>{props.icon}</Text>
      <Text style={styles.title}>{props.title}</Text>
      <Text style={[styles.body, { textAlign: "center" }]}>{props.text}</Text>
      <View style={{ alignSelf: "stretch", gap: 8, marginTop: 24 }}>{props.children}</View>
    </View>
  );
}
