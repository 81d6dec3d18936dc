//! The allocator of the `b2b-mcp` binary, chosen by where it runs: glibc's malloc on AWS Lambda,
//! jemalloc in `serve` and `stdio`.
//!
//! Measured (docs/benchmarks.md: Cold start and Allocator):
//! - Lambda answers one invocation at a time, on a fraction of a core. There jemalloc cost the
//!   cold start most: at 128 MB its metadata, kept apart from the blocks (a radix tree looked up
//!   on every free, a slab per size class, the thread cache), misses the cache again after each
//!   slice of the CPU share. To the first answer the process took 25.3 ms of CPU against 16.8
//!   with glibc's malloc (the floor function: 17.4), with 1.72 MB of anonymous memory against
//!   1.20 and 703 page faults against 532.
//! - `serve` answers many requests at once on every core. There jemalloc gave x1.32 the requests
//!   per second of glibc's malloc at x0.71 the CPU per request, and glibc's malloc alone fell
//!   under ten times the TypeScript SDK's rate in one of two runs.
//!
//! So the choice is made once, at the process's first allocation, before any thread exists:
//! Lambda (the `AWS_LAMBDA_RUNTIME_API` variable its runtime sets, which also makes `main`
//! choose Lambda mode) takes glibc's malloc, anything else jemalloc. It never changes after
//! that, so every block is freed by the allocator that gave it.
//!
//! `lambda_http::run` answers one invocation at a time per process, which is what the Lambda
//! side of this reasoning assumes.
//!
//! jemalloc linked in still initialises itself when the binary loads (a library constructor),
//! even in a Lambda process that never calls it. So the Lambda artifact itself is built with
//! glibc's malloc alone (`alloc-system`, from Cargo.toml's `[package.metadata.lambda.build]`,
//! which `cargo lambda build` reads); this choice by place is for every other build that ends
//! up on Lambda (a plain `cargo build` in a container image, say), and for `serve` and `stdio`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU8, Ordering};

use tikv_jemallocator::Jemalloc;

/// The variable Lambda's runtime sets for a function's process (and `main` reads for its mode).
const LAMBDA_VARIABLE: &std::ffi::CStr = c"AWS_LAMBDA_RUNTIME_API";

const UNDECIDED: u8 = 0;
const SYSTEM: u8 = 1;
const JEMALLOC: u8 = 2;

static CHOSEN: AtomicU8 = AtomicU8::new(UNDECIDED);

/// Which allocator serves the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allocator {
    /// glibc's malloc (`System`): on AWS Lambda.
    Glibc,
    /// jemalloc: `serve` and `stdio`.
    Jemalloc,
}

impl Allocator {
    /// The name logged at start.
    pub fn name(self) -> &'static str {
        match self {
            Allocator::Glibc => "glibc",
            Allocator::Jemalloc => "jemalloc",
        }
    }

    /// The choice for a process, given whether Lambda's runtime variable is set.
    pub fn for_process(on_lambda: bool) -> Allocator {
        if on_lambda { Allocator::Glibc } else { Allocator::Jemalloc }
    }
}

/// The `#[global_allocator]`: glibc's malloc on Lambda, jemalloc elsewhere.
pub struct ByPlace;

impl ByPlace {
    /// The allocator in use (chosen now if nothing was allocated yet).
    pub fn chosen(&self) -> Allocator {
        match CHOSEN.load(Ordering::Relaxed) {
            SYSTEM => Allocator::Glibc,
            JEMALLOC => Allocator::Jemalloc,
            _ => choose(),
        }
    }
}

/// The first caller decides; a caller that lost a race takes the winner's choice.
#[cold]
#[allow(unsafe_code)]
fn choose() -> Allocator {
    // SAFETY: `getenv` reads the environment without allocating (an allocation here would call
    // back into this allocator). The first allocation happens before `main` starts a thread, so
    // nothing can be changing the environment at the same time.
    let on_lambda = unsafe { !libc::getenv(LAMBDA_VARIABLE.as_ptr()).is_null() };
    let wanted = match Allocator::for_process(on_lambda) {
        Allocator::Glibc => SYSTEM,
        Allocator::Jemalloc => JEMALLOC,
    };
    let chosen = match CHOSEN.compare_exchange(UNDECIDED, wanted, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => wanted,
        Err(earlier) => earlier,
    };
    if chosen == SYSTEM { Allocator::Glibc } else { Allocator::Jemalloc }
}

// SAFETY: every call goes to one allocator, the same for the whole process (`CHOSEN` is set once
// and never changes), so a block is freed, grown or shrunk by the allocator that gave it, and
// each call keeps the contract of `GlobalAlloc` by being that allocator's own.
//
// Not inlined: with LTO an inlined choice is copied into every allocation site of the binary
// (+706,240 bytes measured); out of line it costs a call per allocation.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for ByPlace {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.chosen() {
            // SAFETY: the caller's contract for `alloc`, passed on unchanged.
            Allocator::Glibc => unsafe { System.alloc(layout) },
            // SAFETY: as above.
            Allocator::Jemalloc => unsafe { Jemalloc.alloc(layout) },
        }
    }

    #[inline(never)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match self.chosen() {
            // SAFETY: the caller's contract for `alloc_zeroed`, passed on unchanged.
            Allocator::Glibc => unsafe { System.alloc_zeroed(layout) },
            // SAFETY: as above.
            Allocator::Jemalloc => unsafe { Jemalloc.alloc_zeroed(layout) },
        }
    }

    #[inline(never)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match self.chosen() {
            // SAFETY: `ptr` came from this allocator, hence (one choice per process) from System.
            Allocator::Glibc => unsafe { System.dealloc(ptr, layout) },
            // SAFETY: as above, from jemalloc.
            Allocator::Jemalloc => unsafe { Jemalloc.dealloc(ptr, layout) },
        }
    }

    #[inline(never)]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match self.chosen() {
            // SAFETY: `ptr` came from System (one choice per process); the rest of the caller's
            // contract for `realloc` is passed on unchanged.
            Allocator::Glibc => unsafe { System.realloc(ptr, layout, new_size) },
            // SAFETY: as above, from jemalloc.
            Allocator::Jemalloc => unsafe { Jemalloc.realloc(ptr, layout, new_size) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_takes_glibc_and_anything_else_jemalloc() {
        assert_eq!(Allocator::for_process(true), Allocator::Glibc);
        assert_eq!(Allocator::for_process(false), Allocator::Jemalloc);
    }
}
