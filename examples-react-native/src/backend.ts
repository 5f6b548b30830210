// =================================================================================================
//  BACKEND: DEMO ONLY. In a real app this file is your own server: it signs the user in, asks the
//  Latchkey developer API (with the API key, which never leaves your server) for a user token +
//  encryption key and for challenges, and hands only those to the device. The sample calls the
//  developer API from the device through the SDK's AdminClient so it runs without a backend.
//  Replace these functions with fetch() calls to your backend; nothing else in the app changes.
// =================================================================================================
import { AdminClient, Blockchain, ChallengeType, ClientConfig, LatchkeyError } from "@latchkey/react-native";

/** What the backend settings screen asks for. */
export interface BackendSettings {
  serverUrl: string;
  /** Developer API key: DEMO ONLY, a real app never has it on the device. */
  apiKey: string;
  userId: string;
}

/** What the backend gives the device after sign-in. */
export interface DeviceSession {
  userToken: string;
  encryptionKey: string;
}

/** The calls the app makes to its backend. */
export interface WalletBackend {
  signIn(userId: string): Promise<DeviceSession>;
  /** A PIN challenge (SET_SECURITY_QUESTIONS, CHANGE_PIN, RESTORE_PIN, SET_RECOVERY_CODE). */
  createChallenge(session: DeviceSession, type: ChallengeType): Promise<string>;
  /** INITIALIZE (PIN + questions) that also creates the user's wallets on `blockchains`. */
  createSetUp(session: DeviceSession, blockchains: Blockchain[]): Promise<string>;
  /** CREATE_WALLET: the PIN, then wallets on `blockchains`. */
  createWallet(session: DeviceSession, blockchains: Blockchain[]): Promise<string>;
  /** SIGN_MESSAGE (EIP-191) by the wallet `walletId`; `memo` is shown to the user, not signed. */
  createSignMessage(session: DeviceSession, walletId: string, message: string, memo?: string): Promise<string>;
  /** RESTORE_PIN completed with the user's recovery code (instead of the questions). */
  createRestorePinWithCode(session: DeviceSession): Promise<string>;
}

/** 155101: the user id exists already (a returning user). */
const USER_EXISTS = 155101;

/** The demo backend: the developer API called from the device (DEMO ONLY, see above). */
export function demoBackend(settings: BackendSettings): WalletBackend {
  const admin = new AdminClient(ClientConfig.create({ baseUrl: settings.serverUrl }), settings.apiKey);
  return {
    async signIn(userId) {
      try {
        await admin.createUser(userId);
      } catch (e) {
        if (!(LatchkeyError.Server.instanceOf(e) && e.inner.code === USER_EXISTS)) throw e;
      }
      const t = await admin.createUserToken(userId);
      return { userToken: t.userToken, encryptionKey: t.encryptionKey };
    },
    createChallenge: (s, type) => admin.createChallenge(s.userToken, type, undefined),
    createSetUp: (s, blockchains) => admin.createInitializeWithWallets(s.userToken, blockchains, undefined, undefined),
    createWallet: (s, blockchains) => admin.createWalletChallenge(s.userToken, blockchains, undefined, undefined),
    createSignMessage: (s, walletId, message, memo) => admin.createSignMessage(s.userToken, walletId, message, false, memo, undefined),
    createRestorePinWithCode: (s) => admin.createRestorePinWithCode(s.userToken, undefined),
  };
}
