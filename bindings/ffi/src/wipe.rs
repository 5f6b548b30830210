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
//! Cost: one `memset` per freed block, kept by an optimisation barrier (an empty `asm!` block
//! that may read the block, so the zeroing cannot be removed as a dead store before the free);
//! on targets without stable `asm!`, a volatile zeroing pass per byte (the `zeroize` crate).
//! The FFI benchmark found the per-byte volatile pass at about 10 % of a locally refused
//! `ChallengeRun.submit` from Python (docs/benchmarks.md, section 3).

use std::alloc::{GlobalAlloc, Layout, System};

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
            unsafe { wipe(ptr, layout.size()) };
        }
        // SAFETY: forwarded unchanged.
        unsafe { self.0.dealloc(ptr, layout) }
    }
}

/// Zeroes `len` bytes at `ptr` so that the stores survive optimisation.
///
/// # Safety
/// `ptr` must be valid for writes of `len` bytes.
#[cfg(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "arm",
    target_arch = "aarch64",
    target_arch = "riscv32",
    target_arch = "riscv64"
))]
#[inline]
unsafe fn wipe(ptr: *mut u8, len: usize) {
    // SAFETY: the caller guarantees `ptr` is valid for `len` bytes of writes.
    unsafe { std::ptr::write_bytes(ptr, 0, len) };
    // SAFETY: an empty instruction sequence. Without `nomem`/`readonly` the compiler must
    // assume it reads the memory `ptr` points to, so the zeroing above cannot be elided as a
    // dead store before `dealloc` (the same barrier as `explicit_bzero`'s).
    unsafe { std::arch::asm!("/* {0} */", in(reg) ptr, options(nostack, preserves_flags)) };
}

/// Zeroes `len` bytes at `ptr` (volatile writes, for targets without stable `asm!`).
///
/// # Safety
/// `ptr` must be valid for writes of `len` bytes.
#[cfg(not(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "arm",
    target_arch = "aarch64",
    target_arch = "riscv32",
    target_arch = "riscv64"
)))]
#[inline]
unsafe fn wipe(ptr: *mut u8, len: usize) {
    use zeroize::Zeroize;
    // SAFETY: the caller guarantees `ptr` is valid for `len` bytes of writes.
    unsafe { std::slice::from_raw_parts_mut(ptr, len) }.zeroize();
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
