import { Pressable, Text, View } from "react-native";
import { ChallengeType, Input, Screen, type ChallengeRunLike } from "@latchkey/react-native";
import { styles } from "../styles";
import { useChallenge } from "../useChallenge";
import { PinScreen } from "./PinScreen";
import { AnswerQuestionScreen, ChooseQuestionScreen } from "./QuestionScreens";
import { ConfirmRecoveryCodeScreen, EnterRecoveryCodeScreen, ShowRecoveryCodeScreen } from "./RecoveryCodeScreens";
import { ReviewScreen } from "./ReviewScreens";
import { ReviewSignatureScreen } from "./SignatureScreen";
import { CancelledScreen, DoneScreen, FailedScreen, InterruptedScreen, LockedScreen, WorkingScreen } from "./StatusScreens";

const TITLE: Record<ChallengeType, string> = {
  [ChallengeType.Initialize]: "Set up PIN",
  [ChallengeType.SetPin]: "Set PIN",
  [ChallengeType.ChangePin]: "Change PIN",
  [ChallengeType.SetSecurityQuestions]: "Security questions",
  [ChallengeType.RestorePin]: "Forgot PIN",
  [ChallengeType.SignMessage]: "Sign message",
  [ChallengeType.SignTypedData]: "Sign typed data",
  [ChallengeType.SignTransaction]: "Sign transaction",
  [ChallengeType.CreateWallet]: "Create wallet",
  [ChallengeType.Unknown]: "Latchkey",
  [ChallengeType.SetRecoveryCode]: "Recovery code",
  [ChallengeType.SetCloudBackup]: "Cloud backup",
};

/** A running challenge: top bar (back, title, cancel), the SDK's screen, a refused call's error. */
export function ChallengeView(props: { run: ChallengeRunLike; onClose: () => void }) {
  const c = useChallenge<Screen, Input>(props.run);
  const s = c.screen;
  if (s === undefined) return null;
  const disabled = c.busy || Screen.Working.instanceOf(s);
  return (
    <View style={{ flex: 1 }}>
      <View style={styles.topBar}>
        {!c.finished ? (
          <Pressable onPress={() => void c.back()} disabled={disabled} accessibilityLabel="Back">
            <Text style={styles.outlineText}>‹ Back</Text>
          </Pressable>
        ) : (
          <View />
        )}
        <Text style={{ fontSize: 18, fontWeight: "600" }}>{TITLE[props.run.challengeType()]}</Text>
        {!c.finished ? (
          <Pressable onPress={() => void c.cancel()} accessibilityLabel="Cancel">
            <Text style={styles.outlineText}>Cancel</Text>
          </Pressable>
        ) : (
          <View />
        )}
      </View>
      <ScreenView screen={s} type={props.run.challengeType()} pinLength={props.run.pinLength()} disabled={disabled} c={c} onClose={props.onClose} />
      {c.error !== undefined && (
        <Text style={[styles.error, { margin: 16 }]}>
          {c.error.detail} (error {c.error.code})
        </Text>
      )}
    </View>
  );
}

type Hook = ReturnType<typeof useChallenge<Screen, Input>>;

/** One component per SDK screen. */
function ScreenView(props: { screen: Screen; type: ChallengeType; pinLength: number; disabled: boolean; c: Hook; onClose: () => void }) {
  const { screen: s, disabled, c, onClose } = props;
  if (Screen.EnterPin.instanceOf(s))
    return <PinScreen screen={s} disabled={disabled} length={props.pinLength} onPin={(pin) => void c.submit(Input.Pin.new({ pin }))} />;
  if (Screen.ChooseQuestion.instanceOf(s))
    return <ChooseQuestionScreen screen={s} disabled={disabled} onChoose={(questionId) => void c.submit(Input.ChooseQuestion.new({ questionId }))} />;
  if (Screen.AnswerQuestion.instanceOf(s))
    return <AnswerQuestionScreen screen={s} disabled={disabled} onAnswer={(answer, hint) => void c.submit(Input.Answer.new({ answer, hint }))} />;
  if (Screen.Review.instanceOf(s)) return <ReviewScreen screen={s} disabled={disabled} onAcknowledge={() => void c.submit(Input.Acknowledge.new())} />;
  if (Screen.ReviewSignature.instanceOf(s))
    return <ReviewSignatureScreen screen={s} disabled={disabled} onApprove={() => void c.submit(Input.Acknowledge.new())} onReject={() => void c.submit(Input.Reject.new())} />;
  if (Screen.Working.instanceOf(s)) return <WorkingScreen screen={s} />;
  if (Screen.Interrupted.instanceOf(s)) return <InterruptedScreen screen={s} disabled={disabled} onRetry={() => void c.retry()} onCancel={() => void c.cancel()} />;
  if (Screen.Done.instanceOf(s)) return <DoneScreen type={props.type} result={s.inner.result} onClose={onClose} />;
  if (Screen.Failed.instanceOf(s)) return <FailedScreen screen={s} onClose={onClose} />;
  if (Screen.Locked.instanceOf(s)) return <LockedScreen screen={s} onClose={onClose} />;
  if (Screen.Cancelled.instanceOf(s)) return <CancelledScreen onClose={onClose} />;
  if (Screen.ShowRecoveryCode.instanceOf(s))
    return <ShowRecoveryCodeScreen screen={s} disabled={disabled} onWrittenDown={() => void c.submit(Input.Acknowledge.new())} />;
  if (Screen.ConfirmRecoveryCode.instanceOf(s))
    return <ConfirmRecoveryCodeScreen screen={s} disabled={disabled} onCode={(code) => void c.submit(Input.RecoveryCode.new({ code }))} />;
  if (Screen.EnterRecoveryCode.instanceOf(s))
    return <EnterRecoveryCodeScreen screen={s} disabled={disabled} onCode={(code) => void c.submit(Input.RecoveryCode.new({ code }))} />;
  return <Text style={styles.body}>This app does not know the screen “{(s as { tag: string }).tag}”: update the app.</Text>;
}
