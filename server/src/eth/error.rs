//! Validation and signing errors, each carrying the 155xxx code the API replies with.

/// Why a signing request (or a stored one) was refused. Messages name the offending field and
/// never contain key material; they may echo parts of the caller's own request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EthError {
    /// A hex string (message, call data, address, storage key, quantity) is not valid hex:
    /// fix the field named. Code 155820.
    #[error("{field} is not valid hex")]
    MalformedHex {
        /// The request field (e.g. `message`, `transaction.data`).
        field: String,
    },
    /// The typed data is not valid EIP-712: fix the JSON as `reason` says. Code 155821.
    #[error("the typed data is not valid EIP-712: {reason}")]
    InvalidTypedData {
        /// What is wrong.
        reason: String,
    },
    /// The transaction's chain id is not the chain of the wallet's blockchain: sign with a
    /// wallet on that chain, or fix the chain id. Code 155822.
    #[error("chain id {chain_id} does not match the wallet's blockchain (chain id {expected})")]
    ChainIdMismatch {
        /// The chain id in the transaction.
        chain_id: u64,
        /// The chain id of the wallet's blockchain.
        expected: u64,
    },
    /// A transaction field is missing or invalid: fix the field named. Code 155823.
    #[error("transaction field {field}: {reason}")]
    InvalidTransaction {
        /// The field (e.g. `nonce`, `accessList[0].address`).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Something to sign (or its memo) exceeds its limit: send less. Code 155824.
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// What is too large (`message`, `typed data`, `transaction data`, `memo`).
        what: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// A stored `signRequest` text could not be read back (server-side corruption): nothing
    /// was signed; an operator must look. Code 155811.
    #[error("the stored signing request is not readable")]
    StoredRequest,
    /// The signing primitive failed (never expected): nothing was signed; retrying may help.
    /// Code 155811.
    #[error("signing failed")]
    Signing,
}

impl EthError {
    /// The 155xxx code (numbers as in `latchkey_protocol::ErrorCode`: MalformedHex 155820,
    /// InvalidTypedData 155821, ChainIdMismatch 155822, InvalidTransaction 155823,
    /// MessageTooLarge 155824, InternalError 155811).
    pub fn code(&self) -> u32 {
        match self {
            EthError::MalformedHex { .. } => 155820,
            EthError::InvalidTypedData { .. } => 155821,
            EthError::ChainIdMismatch { .. } => 155822,
            EthError::InvalidTransaction { .. } => 155823,
            EthError::TooLarge { .. } => 155824,
            EthError::StoredRequest | EthError::Signing => 155811,
        }
    }

    /// Whether the caller's input caused it (4xx) rather than the server (5xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, EthError::StoredRequest | EthError::Signing)
    }

    pub(crate) fn typed(reason: impl std::fmt::Display) -> Self {
        let mut reason = reason.to_string();
        truncate_utf8(&mut reason, 300);
        EthError::InvalidTypedData { reason }
    }

    pub(crate) fn tx(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut field = field.into();
        truncate_utf8(&mut field, 100);
        EthError::InvalidTransaction {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn hex(field: impl Into<String>) -> Self {
        let mut field = field.into();
        truncate_utf8(&mut field, 100);
        EthError::MalformedHex { field }
    }
}

fn truncate_utf8(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
}
