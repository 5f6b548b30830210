// =================================================================================================
//  BACKEND: DEMO ONLY. In a real app this file is your own server: it signs the user in, asks the
//  Latchkey developer API (with the API key, which never leaves your server) for a user token +
//  encryption key and for challenges, and hands only those to the device. The sample calls the
//  developer API from the device through the SDK's AdminClient so it runs without a backend.
//  Replace these functions with fetch() calls to your backend; nothing else in the app changes.
// =================================================================================================
import { AdminClient, ChallengeType, ClientConfig, CredentialStatus, LatchkeyError } from "@latchkey/react-native";

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

/** One credential's status as the backend reports it. */
export interface CredentialState {
  status: CredentialStatus;
  failedAttempts: number;
  lockedUntil?: string;
}

/** The wallet home's data. */
export interface AccountStatus {
  userId: string;
  pin: CredentialState;
  questions: CredentialState;
}

/** The calls the app makes to its backend. */
export interface WalletBackend {
  signIn(userId: string): Promise<DeviceSession>;
  status(userId: string): Promise<AccountStatus>;
  createChallenge(session: DeviceSession, type: ChallengeType): Promise<string>;
  createSignMessage(session: DeviceSession, message: string): Promise<string>;
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
    async status(userId) {
      const u = await admin.getUser(userId);
      return {
        userId: u.id,
        pin: { status: u.pinStatus, failedAttempts: u.pinDetails.failedAttempts, lockedUntil: u.pinDetails.lockedExpiryDate },
        questions: {
          status: u.securityQuestionStatus,
          failedAttempts: u.securityQuestionDetails.failedAttempts,
          lockedUntil: u.securityQuestionDetails.lockedExpiryDate,
        },
      };
    },
    createChallenge: (s, type) => admin.createChallenge(s.userToken, type, undefined),
    createSignMessage: (s, message) => admin.createSignMessage(s.userToken, message, undefined),
  };
}
