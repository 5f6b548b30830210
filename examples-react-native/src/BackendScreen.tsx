import { Text, TextInput, View } from "react-native";
import type { BackendSettings } from "./backend";
import { Button } from "./screens/common";
import { styles } from "./styles";

/** The demo's "backend" screen: server URL, API key (demo only), user id. */
export function BackendScreen(props: { settings: BackendSettings; busy: boolean; onEdit: (s: BackendSettings) => void; onSignIn: () => void }) {
  const { settings, onEdit } = props;
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Latchkey demo</Text>
      <Text style={styles.card}>
        Demo backend. A real app gets the user token and encryption key from its own server; the API key never ships in an app.
      </Text>
      <TextInput style={styles.input} value={settings.serverUrl} onChangeText={(serverUrl) => onEdit({ ...settings, serverUrl })} placeholder="Server URL" autoCapitalize="none" keyboardType="url" />
      <TextInput style={styles.input} value={settings.apiKey} onChangeText={(apiKey) => onEdit({ ...settings, apiKey })} placeholder="API key (demo only)" secureTextEntry autoCapitalize="none" />
      <TextInput style={styles.input} value={settings.userId} onChangeText={(userId) => onEdit({ ...settings, userId })} placeholder="User id" autoCapitalize="none" />
      <View style={{ marginTop: "auto" }}>
        <Button label="Sign in" disabled={props.busy} onPress={props.onSignIn} />
      </View>
    </View>
  );
}
