import { useEffect, useState } from "react";
import { Pressable, ScrollView, Text, TextInput, View } from "react-native";
import { QuestionKind, answerHint, type Screen } from "@latchkey/react-native";
import { styles } from "../styles";
import { Button, InputErrorText } from "./common";

type ChooseQuestion = InstanceType<typeof Screen.ChooseQuestion>;
type AnswerQuestion = InstanceType<typeof Screen.AnswerQuestion>;

/** `Screen.ChooseQuestion`: pick question `slot` from the catalogue. */
export function ChooseQuestionScreen(props: { screen: ChooseQuestion; disabled: boolean; onChoose: (id: string) => void }) {
  const s = props.screen.inner;
  const [picked, setPicked] = useState<string | undefined>(undefined);
  useEffect(() => setPicked(undefined), [props.screen]);
  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Security question {s.slot.number} of {s.slot.of}</Text>
      <Text style={styles.body}>Pick a question only you can answer.</Text>
      <InputErrorText error={s.error} />
      <ScrollView contentContainerStyle={{ gap: 6 }}>
        {s.options.map((q) => (
          <Pressable key={q.id} onPress={() => setPicked(q.id)} style={[styles.card, picked === q.id ? { borderColor: "#1F5FAF", borderWidth: 2 } : null]}>
            <Text style={styles.body}>{q.text}</Text>
          </Pressable>
        ))}
      </ScrollView>
      <Button label="Continue" disabled={props.disabled || picked === undefined} onPress={() => picked && props.onChoose(picked)} />
    </View>
  );
}

/** `Screen.AnswerQuestion`: answer (+ hint in setup; the saved hint in recovery). */
export function AnswerQuestionScreen(props: {
  screen: AnswerQuestion;
  disabled: boolean;
  onAnswer: (answer: string, hint: string | undefined) => void;
}) {
  const s = props.screen.inner;
  const [answer, setAnswer] = useState("");
  const [hint, setHint] = useState("");
  useEffect(() => {
    setAnswer("");
    setHint("");
  }, [props.screen]);
  const date = s.question.kind === QuestionKind.Date;
  return (
    <View style={styles.screen}>
      <Text style={styles.small}>Question {s.slot.number} of {s.slot.of}</Text>
      <Text style={styles.title}>{s.question.text}</Text>
      {s.savedHint !== undefined && (
        <View style={styles.card}>
          <Text style={styles.small}>Your hint</Text>
          <Text style={styles.body}>{s.savedHint}</Text>
        </View>
      )}
      <TextInput
        style={styles.input}
        value={answer}
        onChangeText={setAnswer}
        placeholder={date ? "YYYY-MM-DD" : "Answer"}
        keyboardType={date ? "numbers-and-punctuation" : "default"}
        autoCapitalize="none"
        autoCorrect={false}
        editable={!props.disabled}
      />
      <Text style={styles.small}>{answerHint(s.question.kind)}</Text>
      {s.hintAllowed && (
        <>
          <TextInput style={styles.input} value={hint} onChangeText={setHint} placeholder="Hint (optional)" editable={!props.disabled} />
          <Text style={styles.small}>Shown when you recover your PIN. It must not contain the answer.</Text>
        </>
      )}
      <InputErrorText error={s.error} attemptsLeft={s.attemptsLeft} />
      <View style={{ marginTop: "auto" }}>
        <Button
          label="Continue"
          disabled={props.disabled || answer.trim() === ""}
          onPress={() => props.onAnswer(answer, s.hintAllowed && hint.trim() !== "" ? hint : undefined)}
        />
      </View>
    </View>
  );
}
