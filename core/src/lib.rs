//! Latchkey client SDK core.
