//! Wipe-on-free: the library's global allocator zeroizes every block before handing it back to
//! the system allocator (cargo feature `wipe-freed-memory`, on by default).
//!
//! Why: a PIN or answer crosses the FFI inside uniffi's `RustBuffer` (the serialized `Input`),
//! which uniffi 0.31 copies the string out of and then frees; with the system allocator alone
//! those freed bytes would stay in the heap until reused. This crate owns that buffer (uniffi
//! allocates it with Rust's allocator and frees it in Rust), so it is wiped the moment it is
//! freed, as is every other block Rust frees in this library: growing buffers (a `realloc` is an
//! allocation, a copy and a wiped free), serde and HTTP buffers, the core's sealed-envelope
//! plaintext. Memory the foreign runtime owns (its string, its UTF-8 encoding of it) is outside
//! its reach: see `SecretString`.
//!
//! Cost: one volatile zeroing pass per freed byte (measured by the FFI benchmarks; the
//! allocations of an SDK call are small).

use std::alloc::{GlobalAlloc, Layout, System};
use zeroize::Zeroize;

/// An allocator that zeroizes every block before `A` frees it. `realloc` is not forwarded to
/// `A` (which could move the block and free the old one unwiped): the default allocate, copy,
/// free path is used, so the old block is wiped too.
pub struct WipeOnFree<A>(pub A);

// SAFETY: every method forwards to `A` with the caller's arguments unchanged; `dealloc` only
// writes zeros into the `layout.size()` bytes the caller still owns before forwarding.
unsafe impl<A: GlobalAlloc> GlobalAlloc for WipeOnFree<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged (the caller upholds `GlobalAlloc::alloc`'s contract).
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() > 0 {
            // SAFETY: `ptr` was allocated by this allocator with `layout` (the caller's
            // contract), so it is valid for writes of `layout.size()` bytes until freed below.
            unsafe { std::slice::from_raw_parts_mut(ptr, layout.size()) }.zeroize();
        }
        // SAFETY: forwarded unchanged.
        unsafe { self.0.dealloc(ptr, layout) }
    }
}

#[cfg(feature = "wipe-freed-memory")]
#[global_allocator]
static WIPE: WipeOnFree<System> = WipeOnFree(System);

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the blocks handed to it for freeing that still hold a non-zero byte.
    #[derive(Default)]
    struct Inspecting {
        freed: AtomicUsize,
        dirty: AtomicUsize,
    }

    unsafe impl GlobalAlloc for Inspecting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let bytes = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            self.freed.fetch_add(1, Ordering::SeqCst);
            if bytes.iter().any(|b| *b != 0) {
                self.dirty.fetch_add(1, Ordering::SeqCst);
            }
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[test]
    fn freed_and_reallocated_blocks_are_wiped() {
        let a = WipeOnFree(Inspecting::default());
        let small = Layout::from_size_align(6, 1).unwrap();
        unsafe {
            let p = a.alloc(small);
            std::ptr::copy_nonoverlapping(b"135790".as_ptr(), p, 6);
            // Growing a buffer holding a PIN: the old block is freed wiped.
            let q = a.realloc(p, small, 4096);
            assert_eq!(std::slice::from_raw_parts(q, 6), b"135790");
            a.dealloc(q, Layout::from_size_align(4096, 1).unwrap());
        }
        assert_eq!(a.0.freed.load(Ordering::SeqCst), 2);
        assert_eq!(a.0.dirty.load(Ordering::SeqCst), 0);

        // The inspector does see dirty blocks (the test can fail).
        let raw = Inspecting::default();
        unsafe {
            let p = raw.alloc(small);
            std::ptr::copy_nonoverlapping(b"135790".as_ptr(), p, 6);
            raw.dealloc(p, small);
        }
        assert_eq!(raw.dirty.load(Ordering::SeqCst), 1);
    }
}
