/**
 * Latchkey sample app (React Native): backend screen -> wallet home -> one challenge at a time,
 * each SDK screen drawn by its own component (src/screens), driven by `useChallenge(run)`.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { SafeAreaView, Text } from "react-native";
import { ChallengeType, Client, ClientConfig, LatchkeyError, type ChallengeRunLike, type SessionLike } from "@latchkey/react-native";
import { demoBackend, type AccountStatus, type BackendSettings, type DeviceSession, type WalletBackend } from "./src/backend";
import { BackendScreen } from "./src/BackendScreen";
import { HomeScreen, type WalletAction } from "./src/HomeScreen";
import { ChallengeView } from "./src/screens/ChallengeView";
import { challengeError } from "./src/useChallenge";
import { styles } from "./src/styles";

const TYPE: Record<Exclude<WalletAction, "signMessage">, ChallengeType> = {
  setUp: ChallengeType.Initialize,
  setQuestions: ChallengeType.SetSecurityQuestions,
  changePin: ChallengeType.ChangePin,
  forgotPin: ChallengeType.RestorePin,
};

interface Connection {
  backend: WalletBackend;
  device: DeviceSession;
  session: SessionLike;
}

export default function App() {
  const [settings, setSettings] = useState<BackendSettings>({ serverUrl: "http://localhost:8080", apiKey: "", userId: "demo-user-1" });
  const [account, setAccount] = useState<AccountStatus | undefined>(undefined);
  const [run, setRun] = useState<ChallengeRunLike | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const conn = useRef<Connection | undefined>(undefined);

  /** Runs a backend/SDK call; a LatchkeyError becomes the banner (the SDK's text and code). */
  const work = useCallback(async (f: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (e) {
      const info = challengeError(e);
      setError(info ? `${info.detail} (error ${info.code})` : String(e));
      if (LatchkeyError.SessionExpired.instanceOf(e)) setAccount(undefined); // sign in again
    } finally {
      setBusy(false);
    }
  }, []);

  const signIn = () =>
    work(async () => {
      const backend = demoBackend(settings);
      const device = await backend.signIn(settings.userId);
      const client = new Client(ClientConfig.create({ baseUrl: settings.serverUrl }));
      conn.current = { backend, device, session: client.session(device.userToken, device.encryptionKey) };
      setAccount(await backend.status(settings.userId));
    });

  const refresh = () => work(async () => setAccount(await conn.current!.backend.status(settings.userId)));

  const start = (action: WalletAction) =>
    work(async () => {
      const c = conn.current!;
      const id =
        action === "signMessage"
          ? await c.backend.createSignMessage(c.device, "Sign in to Latchkey Demo")
          : await c.backend.createChallenge(c.device, TYPE[action]);
      setRun(await c.session.runChallenge(id));
    });

  const close = () => {
    setRun(undefined);
    void refresh();
  };

  useEffect(() => () => setRun(undefined), []);

  return (
    <SafeAreaView style={{ flex: 1 }}>
      {run !== undefined ? (
        <ChallengeView run={run} onClose={close} />
      ) : account !== undefined ? (
        <HomeScreen account={account} busy={busy} onAction={(a) => void start(a)} onRefresh={() => void refresh()} onSignOut={() => setAccount(undefined)} />
      ) : (
        <BackendScreen settings={settings} busy={busy} onEdit={setSettings} onSignIn={() => void signIn()} />
      )}
      {error !== undefined && <Text style={[styles.error, { margin: 16 }]} onPress={() => setError(undefined)}>{error}</Text>}
    </SafeAreaView>
  );
}
