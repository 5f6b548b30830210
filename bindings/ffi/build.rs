//! Generates the uniffi scaffolding from the SDK's UDL (`udl/latchkey.udl`).
//!
//! The UDL lives outside this crate, so the crate name is given explicitly (uniffi would
//! otherwise look for a `Cargo.toml` next to the UDL and find the workspace manifest).

fn main() {
    if let Err(e) = uniffi::generate_scaffolding_for_crate("../../udl/latchkey.udl", "latchkey") {
        panic!("uniffi scaffolding from udl/latchkey.udl failed: {e}");
    }
}
