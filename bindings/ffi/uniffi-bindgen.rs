//! `uniffi-bindgen` built from this crate so the generator matches the library's uniffi.
fn main() {
    uniffi::uniffi_bindgen_main()
}
