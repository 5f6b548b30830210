package dev.latchkey.sample.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import dev.latchkey.id
import dev.latchkey.Screen
import dev.latchkey.SignatureDetails
import dev.latchkey.TransactionReview
import dev.latchkey.TypedDataDomain
import dev.latchkey.TypedDataRow

/**
 * `Screen.ReviewSignature`: what will be signed, exactly as the SDK decoded it (the app decodes
 * nothing), with Approve (then the PIN) and Reject (nothing is signed).
 */
@Composable
fun ReviewSignatureScreen(screen: Screen.ReviewSignature, enabled: Boolean, onApprove: () -> Unit, onReject: () -> Unit) {
    val review = screen.review
    Column(Modifier.fillMaxSize().padding(horizontal = 24.dp, vertical = 16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Column(Modifier.weight(1f).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Text(headline(review.details), style = MaterialTheme.typography.headlineSmall)
            Text("Approve only if you started this request. Nothing is signed until you enter your PIN.", style = MaterialTheme.typography.bodyMedium)
            Section("Wallet") {
                Field("Address", review.wallet.address, mono = true)
                Field("Blockchain", review.wallet.blockchain.id)
            }
            when (val d = review.details) {
                is SignatureDetails.Message -> MessageDetails(d)
                is SignatureDetails.TypedData -> TypedDataDetails(d.domain, d.primaryType, d.rows)
                is SignatureDetails.Transaction -> TransactionDetails(d.transaction)
            }
            review.memo?.let { memo ->
                Card(
                    colors = CardDefaults.cardColors(
                        containerColor = MaterialTheme.colorScheme.secondaryContainer,
                        contentColor = MaterialTheme.colorScheme.onSecondaryContainer,
                    ),
                    modifier = Modifier.fillMaxWidth(),
                ) {
                    Column(Modifier.padding(12.dp)) {
                        Text("Note from the app (not signed)", style = MaterialTheme.typography.labelMedium)
                        Text(memo, style = MaterialTheme.typography.bodyMedium)
                    }
                }
            }
        }
        Button(onClick = onApprove, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text("Approve and enter PIN") }
        OutlinedButton(onClick = onReject, enabled = enabled, modifier = Modifier.fillMaxWidth()) { Text("Reject") }
    }
}

private fun headline(d: SignatureDetails) = when (d) {
    is SignatureDetails.Message -> "Sign this message?"
    is SignatureDetails.TypedData -> "Sign this data?"
    is SignatureDetails.Transaction -> "Sign this transaction?"
}

@Composable
private fun MessageDetails(d: SignatureDetails.Message) {
    val text = d.text
    Section("Message (${d.byteLength} bytes)") {
        if (text != null) {
            Text(text, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodyLarge)
        } else {
            Text("Not readable text: these are the exact bytes signed.", style = MaterialTheme.typography.bodySmall)
            Text(d.hex, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodyMedium)
        }
    }
}

@Composable
private fun TypedDataDetails(domain: TypedDataDomain, primaryType: String, rows: List<TypedDataRow>) {
    Section("Domain") {
        domain.name?.let { Field("Name", it) }
        domain.version?.let { Field("Version", it) }
        domain.chainId?.let { Field("Chain id", it) }
        domain.verifyingContract?.let { Field("Verifying contract", it, mono = true) }
        domain.salt?.let { Field("Salt", it, mono = true) }
    }
    Section(primaryType) {
        // The SDK flattens the tree in pre-order; depth is the indentation.
        for (row in rows) {
            Column(Modifier.padding(start = (row.depth.toInt() * 16).dp)) {
                Text("${row.name}  ·  ${row.typeName}", style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
                row.value?.let { Text(it, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodyMedium) }
            }
        }
    }
}

@Composable
private fun TransactionDetails(t: TransactionReview) {
    Section("Transaction (signed, not sent)") {
        Field("Chain", "${t.blockchain.id} (chain id ${t.chainId})")
        Field("To", t.to ?: "New contract (contract creation)", mono = t.to != null)
        Field("Value", "${t.value}\n${t.valueWei} wei")
        Field("Nonce", t.nonce)
    }
    Section("Fees") {
        Field("Gas limit", t.gasLimit)
        Field("Max fee per gas", "${t.maxFeePerGasWei} wei")
        Field("Max priority fee per gas", "${t.maxPriorityFeePerGasWei} wei")
        Field("Maximum fee", t.maxFeeText())
    }
    Section("Call data (${t.dataLength} bytes)") {
        t.selector?.let { Field("Function selector", it, mono = true) }
        Text(t.data, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodySmall)
        if (t.accessListEntries > 0u) Field("Access list", "${t.accessListEntries} entries")
    }
}

private fun TransactionReview.maxFeeText() = maxFeeWei?.let { "$maxFee\n$it wei" } ?: maxFee

/** A titled card of fields. */
@Composable
fun Section(title: String, content: @Composable ColumnScope.() -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text(title, style = MaterialTheme.typography.titleSmall)
            HorizontalDivider()
            content()
        }
    }
}

/** A label over its value. */
@Composable
fun Field(label: String, value: String, mono: Boolean = false) {
    Row(Modifier.fillMaxWidth()) {
        Column {
            Text(label, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
            Text(value, style = MaterialTheme.typography.bodyMedium, fontFamily = if (mono) FontFamily.Monospace else null)
        }
    }
}

