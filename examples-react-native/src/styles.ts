import { StyleSheet } from "react-native";

/** Shared styles of the sample (kept small on purpose). */
export const styles = StyleSheet.create({
  screen: { flex: 1, padding: 24, gap: 12 },
  center: { flex: 1, padding: 24, gap: 12, alignItems: "center", justifyContent: "center" },
  title: { fontSize: 22, fontWeight: "600" },
  body: { fontSize: 16 },
  small: { fontSize: 13, opacity: 0.7 },
  error: { backgroundColor: "#FFDAD6", color: "#410002", padding: 12, borderRadius: 8 },
  card: { borderWidth: 1, borderColor: "#C4C6D0", borderRadius: 12, padding: 12, gap: 4 },
  input: { borderWidth: 1, borderColor: "#74777F", borderRadius: 8, padding: 12, fontSize: 16 },
  button: { backgroundColor: "#1F5FAF", borderRadius: 24, padding: 14, alignItems: "center" },
  buttonText: { color: "white", fontSize: 16, fontWeight: "600" },
  outline: { borderWidth: 1, borderColor: "#1F5FAF", borderRadius: 24, padding: 14, alignItems: "center" },
  outlineText: { color: "#1F5FAF", fontSize: 16, fontWeight: "600" },
  row: { flexDirection: "row", gap: 8, alignItems: "center" },
  dots: { flexDirection: "row", gap: 16, justifyContent: "center", marginVertical: 16 },
  dot: { width: 20, height: 20, borderRadius: 10, borderWidth: 2, borderColor: "#1F5FAF" },
  dotFilled: { backgroundColor: "#1F5FAF" },
  pad: { gap: 8, marginTop: "auto" },
  key: { flex: 1, height: 56, borderRadius: 12, backgroundColor: "#DCE2F9", alignItems: "center", justifyContent: "center" },
  keyText: { fontSize: 22 },
  topBar: { flexDirection: "row", alignItems: "center", justifyContent: "space-between", paddingHorizontal: 8, paddingVertical: 4 },
});
