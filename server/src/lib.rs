//! Latchkey reference server.
