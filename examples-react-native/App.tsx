/**
 * Latchkey sample app (React Native): backend screen -> wallet home -> one challenge at a time,
 * each SDK screen drawn by its own component (src/screens), driven by `useChallenge(run)`.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { SafeAreaView, Text } from "react-native";
import { Blockchain, ChallengeType, Client, ClientConfig, latchkeyErrorInfo, type ChallengeRunLike, type SessionLike, type User, type Wallet } from "@latchkey/react-native";
import { demoBackend, type BackendSettings, type DeviceSession, type WalletBackend } from "./src/backend";
import { BackendScreen } from "./src/BackendScreen";
import { HomeScreen, type WalletAction } from "./src/HomeScreen";
import { ChallengeView } from "./src/screens/ChallengeView";
import { styles } from "./src/styles";

/** The blockchains set-up (and "create wallet") creates wallets on. */
const BLOCKCHAINS = [Blockchain.EthSepolia];

const TYPE: Record<Exclude<WalletAction, "setUp" | "createWallet" | "signMessage" | "forgotPinWithCode">, ChallengeType> = {
  setQuestions: ChallengeType.SetSecurityQuestions,
  changePin: ChallengeType.ChangePin,
  forgotPin: ChallengeType.RestorePin,
  setRecoveryCode: ChallengeType.SetRecoveryCode,
};

interface Connection {
  backend: WalletBackend;
  device: DeviceSession;
  session: SessionLike;
}

export default function App() {
  const [settings, setSettings] = useState<BackendSettings>({ serverUrl: "http://localhost:8080", apiKey: "", userId: "demo-user-1" });
  /** The user's PIN and question status (`Session.user()`); undefined until signed in. */
  const [account, setAccount] = useState<User | undefined>(undefined);
  const [wallets, setWallets] = useState<Wallet[]>([]);
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
      const info = latchkeyErrorInfo(e);
      setError(info ? `${info.detail} (error ${info.code})` : String(e));
      if (info?.variant === "SessionExpired") setAccount(undefined); // sign in again
    } finally {
      setBusy(false);
    }
  }, []);

  const signIn = () =>
    work(async () => {
      const backend = demoBackend(settings);
      const device = await backend.signIn(settings.userId);
      const client = new Client(ClientConfig.create({ baseUrl: settings.serverUrl }));
      const session = client.session(device.userToken, device.encryptionKey);
      conn.current = { backend, device, session };
      setAccount(await session.user());
      setWallets(await session.wallets());
    });

  const refresh = () =>
    work(async () => {
      const c = conn.current!;
      setAccount(await c.session.user());
      setWallets(await c.session.wallets());
    });

  const start = (action: WalletAction) =>
    work(async () => {
      const c = conn.current!;
      const id =
        action === "setUp"
          ? await c.backend.createSetUp(c.device, BLOCKCHAINS)
          : action === "createWallet"
            ? await c.backend.createWallet(c.device, BLOCKCHAINS)
            : action === "signMessage"
              ? await c.backend.createSignMessage(c.device, wallets[0]!.id, "Sign in to Latchkey Demo", "Latchkey Demo asks you to prove you own this wallet.")
              : action === "forgotPinWithCode"
                ? await c.backend.createRestorePinWithCode(c.device)
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
        <HomeScreen account={account} wallets={wallets} busy={busy} onAction={(a) => void start(a)} onRefresh={() => void refresh()} onSignOut={() => setAccount(undefined)} />
      ) : (
        <BackendScreen settings={settings} busy={busy} onEdit={setSettings} onSignIn={() => void signIn()} />
      )}
      {error !== undefined && <Text style={[styles.error, { margin: 16 }]} onPress={() => setError(undefined)}>{error}</Text>}
    </SafeAreaView>
  );
}
