import { useEffect, useState } from "react";
import { Pressable, Text, View } from "react-native";
import { PinPurpose, type Screen } from "@latchkey/react-native";
import { styles } from "../styles";
import { InputErrorText } from "./common";

/**
 * Dots drawn for a PIN. The SDK checks every PIN rule itself; it does not export the length yet,
 * so the pad submits when this many digits are typed (see the README).
 */
export const PIN_DIGITS = 6;

type EnterPin = InstanceType<typeof Screen.EnterPin>;

/** `Screen.EnterPin`: masked digits, the SDK's error, attempts left, number pad. */
export function PinScreen(props: { screen: EnterPin; disabled: boolean; onPin: (pin: string) => void }) {
  const { screen, disabled, onPin } = props;
  const [digits, setDigits] = useState("");
  useEffect(() => setDigits(""), [screen]); // a new screen starts empty
  const s = screen.inner;
  const press = (d: string) => {
    if (digits.length >= PIN_DIGITS) return;
    const next = digits + d;
    setDigits(next);
    if (next.length === PIN_DIGITS) onPin(next);
  };
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>
        {s.purpose === PinPurpose.Current ? "Enter your PIN" : s.purpose === PinPurpose.New ? "Choose a new PIN" : "Confirm your new PIN"}
      </Text>
      <View style={styles.dots} accessibilityLabel={`${digits.length} of ${PIN_DIGITS} digits entered`}>
        {Array.from({ length: PIN_DIGITS }, (_, i) => (
          <View key={i} style={[styles.dot, i < digits.length ? styles.dotFilled : null]} />
        ))}
      </View>
      <InputErrorText error={s.error} attemptsLeft={s.attemptsLeft} />
      <View style={styles.pad}>
        {["123", "456", "789", " 0<"].map((row) => (
          <View key={row} style={styles.row}>
            {row.split("").map((k, i) =>
              k === " " ? (
                <View key={i} style={{ flex: 1 }} />
              ) : (
                <Pressable
                  key={i}
                  disabled={disabled}
                  style={styles.key}
                  accessibilityLabel={k === "<" ? "Delete" : k}
                  onPress={() => (k === "<" ? setDigits(digits.slice(0, -1)) : press(k))}
                >
                  <Text style={styles.keyText}>{k === "<" ? "⌫" : k}</Text>
                </Pressable>
              ),
            )}
          </View>
        ))}
      </View>
    </View>
  );
}
