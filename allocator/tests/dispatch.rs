//! `ByPlace` installed as this test binary's allocator, in child processes started with and
//! without Lambda's variable: the memory a block takes must show in glibc's own count exactly
//! when the choice is glibc (and the log line's `chosen()` must say the same).

// A test: a failed step panics with what it saw, as in tests/app.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use b2b_allocator::{Allocator, ByPlace};

#[global_allocator]
static ALLOCATOR: ByPlace = ByPlace;

/// The child's side, run only when the parent sets `B2B_ALLOCATOR_EXPECT`.
const EXPECT: &str = "B2B_ALLOCATOR_EXPECT";

/// Bytes glibc's malloc has handed out and not taken back.
#[allow(unsafe_code)]
fn glibc_in_use() -> usize {
    // SAFETY: mallinfo2 only reads glibc's allocator statistics.
    unsafe { libc::mallinfo2() }.uordblks
}

#[test]
fn child_allocates_with_the_expected_allocator() {
    let Ok(expected) = std::env::var(EXPECT) else { return };
    let before = glibc_in_use();
    // Under glibc's mmap threshold (128 KiB), so a glibc block comes from its heap and counts.
    let block = std::hint::black_box(vec![7u8; 64 * 1024]);
    let grew = glibc_in_use().saturating_sub(before);
    let chosen = ALLOCATOR.chosen();
    match expected.as_str() {
        "glibc" => assert!(chosen == Allocator::Glibc && grew >= 64 * 1024, "{chosen:?}, glibc grew {grew}"),
        "jemalloc" => assert!(chosen == Allocator::Jemalloc && grew < 64 * 1024, "{chosen:?}, glibc grew {grew}"),
        other => panic!("unknown {EXPECT}={other}"),
    }
    let mut grown = block;
    grown.resize(256 * 1024, 1);
    assert_eq!(grown.iter().map(|&b| usize::from(b)).sum::<usize>(), 7 * 64 * 1024 + 192 * 1024);
}

#[test]
fn lambda_processes_allocate_with_glibc_and_others_with_jemalloc() {
    // An empty value counts as set, as `main`'s `var_os(..).is_some()` does for its mode.
    for (variable, expected) in [(Some("127.0.0.1:9001"), "glibc"), (Some(""), "glibc"), (None, "jemalloc")] {
        let exe = std::env::current_exe().unwrap_or_else(|e| panic!("this test binary: {e}"));
        let mut child = Command::new(exe);
        child
            .args(["--exact", "child_allocates_with_the_expected_allocator", "--test-threads=1"])
            .env(EXPECT, expected);
        match variable {
            Some(value) => child.env("AWS_LAMBDA_RUNTIME_API", value),
            None => child.env_remove("AWS_LAMBDA_RUNTIME_API"),
        };
        let output = child.output().unwrap_or_else(|e| panic!("run the child: {e}"));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "AWS_LAMBDA_RUNTIME_API={variable:?}, expected {expected}:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
