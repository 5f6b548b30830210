import { useEffect, useState } from "react";
import { Pressable, Text, View } from "react-native";
import { PinPurpose, pinLength, type Screen } from "@latchkey/react-native";
import { styles } from "../styles";
import { InputErrorText } from "./common";

type EnterPin = InstanceType<typeof Screen.EnterPin>;

/**
 * `Screen.EnterPin`: masked digits, the SDK's error, attempts left, number pad. `length` is the
 * run's PIN length (`run.pinLength()`); the pad submits when that many digits are typed and the
 * SDK checks every PIN rule.
 */
export function PinScreen(props: { screen: EnterPin; disabled: boolean; onPin: (pin: string) => void; length?: number }) {
  const { screen, disabled, onPin } = props;
  const length = props.length ?? pinLength();
  const [digits, setDigits] = useState("");
  useEffect(() => setDigits(""), [screen]); // a new screen starts empty
  const s = screen.inner;
  const press = (d: string) => {
    if (digits.length >= length) return;
    const next = digits + d;
    setDigits(next);
    if (next.length === length) onPin(next);
  };
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>
        {s.purpose === PinPurpose.Current ? "Enter your PIN" : s.purpose === PinPurpose.New ? "Choose a new PIN" : "Confirm your new PIN"}
      </Text>
      <View style={styles.dots} accessibilityLabel={`${digits.length} of ${length} digits entered`}>
        {Array.from({ length: length }, (_, i) => (
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
