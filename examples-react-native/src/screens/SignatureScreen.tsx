import type { ReactNode } from "react";
import { ScrollView, Text, View } from "react-native";
import { blockchainId, SignatureDetails, type Screen, type TransactionReview, type TypedDataDomain, type TypedDataRow } from "@latchkey/react-native";
import { styles } from "../styles";
import { Button } from "./common";

type ReviewSignature = InstanceType<typeof Screen.ReviewSignature>;

const mono = { fontFamily: "monospace", fontSize: 14 } as const;

/** A titled card of fields. */
function Section(props: { title: string; children: ReactNode }) {
  return (
    <View style={styles.card}>
      <Text style={{ fontSize: 15, fontWeight: "600" }}>{props.title}</Text>
      {props.children}
    </View>
  );
}

/** A label over its value. */
function Field(props: { label: string; value: string; mono?: boolean }) {
  return (
    <View>
      <Text style={styles.small}>{props.label}</Text>
      <Text selectable style={props.mono ? mono : styles.body}>
        {props.value}
      </Text>
    </View>
  );
}

function MessageDetails(props: { text?: string; hex: string; byteLength: bigint }) {
  return (
    <Section title={`Message (${props.byteLength} bytes)`}>
      {props.text !== undefined ? (
        <Text style={[mono, { fontSize: 16 }]}>{props.text}</Text>
      ) : (
        <>
          <Text style={styles.small}>Not readable text: these are the exact bytes signed.</Text>
          <Text style={mono}>{props.hex}</Text>
        </>
      )}
    </Section>
  );
}

function TypedDataDetails(props: { domain: TypedDataDomain; primaryType: string; rows: TypedDataRow[] }) {
  const d = props.domain;
  return (
    <>
      <Section title="Domain">
        {d.name !== undefined && <Field label="Name" value={d.name} />}
        {d.version !== undefined && <Field label="Version" value={d.version} />}
        {d.chainId !== undefined && <Field label="Chain id" value={d.chainId} />}
        {d.verifyingContract !== undefined && <Field label="Verifying contract" value={d.verifyingContract} mono />}
        {d.salt !== undefined && <Field label="Salt" value={d.salt} mono />}
      </Section>
      <Section title={props.primaryType}>
        {/* The SDK flattens the tree in pre-order; depth is the indentation. */}
        {props.rows.map((r) => (
          <View key={r.path} style={{ marginLeft: r.depth * 16 }}>
            <Text style={styles.small}>
              {r.name} · {r.typeName}
            </Text>
            {r.value !== undefined && <Text style={mono}>{r.value}</Text>}
          </View>
        ))}
      </Section>
    </>
  );
}

function TransactionDetails(props: { t: TransactionReview }) {
  const t = props.t;
  return (
    <>
      <Section title="Transaction (signed, not sent)">
        <Field label="Chain" value={`${blockchainId(t.blockchain)} (chain id ${t.chainId})`} />
        <Field label="To" value={t.to ?? "New contract (contract creation)"} mono={t.to !== undefined} />
        <Field label="Value" value={`${t.value}\n${t.valueWei} wei`} />
        <Field label="Nonce" value={t.nonce} />
      </Section>
      <Section title="Fees">
        <Field label="Gas limit" value={t.gasLimit} />
        <Field label="Max fee per gas" value={`${t.maxFeePerGasWei} wei`} />
        <Field label="Max priority fee per gas" value={`${t.maxPriorityFeePerGasWei} wei`} />
        <Field label="Maximum fee" value={t.maxFeeWei !== undefined ? `${t.maxFee}\n${t.maxFeeWei} wei` : t.maxFee} />
      </Section>
      <Section title={`Call data (${t.dataLength} bytes)`}>
        {t.selector !== undefined && <Field label="Function selector" value={t.selector} mono />}
        <Text selectable style={[mono, { fontSize: 12 }]}>
          {t.data}
        </Text>
        {t.accessListEntries > 0 && <Field label="Access list" value={`${t.accessListEntries} entries`} />}
      </Section>
    </>
  );
}

/**
 * `Screen.ReviewSignature`: what will be signed, exactly as the SDK decoded it (the app decodes
 * nothing); Approve goes on to the PIN, Reject ends the run with nothing signed.
 */
export function ReviewSignatureScreen(props: { screen: ReviewSignature; disabled: boolean; onApprove: () => void; onReject: () => void }) {
  const { wallet, memo, details } = props.screen.inner.review;
  let body: ReactNode;
  let headline: string;
  if (SignatureDetails.Message.instanceOf(details)) {
    headline = "Sign this message?";
    body = <MessageDetails {...details.inner} />;
  } else if (SignatureDetails.TypedData.instanceOf(details)) {
    headline = "Sign this data?";
    body = <TypedDataDetails {...details.inner} />;
  } else if (SignatureDetails.Transaction.instanceOf(details)) {
    headline = "Sign this transaction?";
    body = <TransactionDetails t={details.inner.transaction} />;
  } else {
    headline = "Sign this request?";
    body = <Text style={styles.body}>This app cannot show this kind of request: reject it and update the app.</Text>;
  }
  return (
    <View style={styles.screen}>
      <ScrollView contentContainerStyle={{ gap: 12 }}>
        <Text style={styles.title}>{headline}</Text>
        <Text style={styles.body}>Approve only if you started this request. Nothing is signed until you enter your PIN.</Text>
        <Section title="Wallet">
          <Field label="Address" value={wallet.address} mono />
          <Field label="Blockchain" value={blockchainId(wallet.blockchain)} />
        </Section>
        {body}
        {memo !== undefined && (
          <View style={[styles.card, { backgroundColor: "#DCE2F9" }]}>
            <Text style={styles.small}>Note from the app (not signed)</Text>
            <Text style={styles.body}>{memo}</Text>
          </View>
        )}
      </ScrollView>
      <View style={{ gap: 8 }}>
        <Button label="Approve and enter PIN" disabled={props.disabled} onPress={props.onApprove} />
        <Button label="Reject" outline disabled={props.disabled} onPress={props.onReject} />
      </View>
    </View>
  );
}
