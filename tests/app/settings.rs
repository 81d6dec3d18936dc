//! docs/configuration.md lists every setting the server reads, once, and nothing else: a setting
//! named in src/config/ or src/main.rs, or read from the environment anywhere in src/, but not
//! documented fails here, and so does a documented one that nothing reads. `b2b-mcp --help`
//! prints the same list, and the binary refuses a setting that names a tool it does not have.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use b2b_mcp::config::settings;

use crate::source::Source;

/// What the server reads: every all-caps string literal (`"APPSYNC_URL"`) in the code that reads
/// settings (the configuration and `main.rs`, outside their tests), and the name in every
/// environment read anywhere in `src/` (`env::var`, `var_os`, `try_from_env`).
fn names_read() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut names = BTreeSet::new();
    let is_name = |l: &str| {
        l.len() > 2
            && l.starts_with(|c: char| c.is_ascii_uppercase())
            && l.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    for file in files {
        let source = Source::read(&std::fs::read_to_string(&file).expect("source"));
        let reads_settings = file.starts_with(root.join("src/config")) || file.ends_with("src/main.rs");
        if reads_settings && !file.ends_with("tests.rs") {
            names.extend(source.literals.iter().filter(|l| is_name(l)).cloned());
        }
        // The piece of code before each literal says whether it is an environment read.
        for (before, literal) in source.code.split("\"\"").zip(&source.literals) {
            let call = before.trim_end();
            if ["var(", "var_os(", "try_from_env("].iter().any(|f| call.ends_with(f)) {
                names.insert(literal.clone());
            }
        }
    }
    names
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_setting_read_is_documented_once_and_every_documented_setting_is_read() {
    let documented: Vec<&str> = settings::documented().into_iter().flat_map(|(_, names)| names).collect();
    let unique: BTreeSet<String> = documented.iter().map(|n| (*n).to_owned()).collect();
    assert_eq!(unique.len(), documented.len(), "a setting is listed twice in docs/configuration.md: {documented:?}");
    let read = names_read();
    assert!(read.contains("APPSYNC_URL") && read.contains("LOG_LEVEL"), "the scan finds names: {read:?}");
    let missing: Vec<&String> = read.difference(&unique).collect();
    let stale: Vec<&String> = unique.difference(&read).collect();
    assert!(missing.is_empty(), "read by the server but not in docs/configuration.md: {missing:?}");
    assert!(stale.is_empty(), "in docs/configuration.md but read nowhere: {stale:?}");
}

#[test]
fn the_binary_prints_the_documented_settings_as_its_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"))
        .arg("--help")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("b2b-mcp --help");
    assert!(output.status.success());
    let usage = String::from_utf8_lossy(&output.stdout);
    assert!(usage.starts_with("usage: b2b-mcp"), "{usage}");
    for (group, names) in settings::documented() {
        assert!(usage.contains(group), "{group} missing from:\n{usage}");
        for name in names {
            assert!(usage.contains(name), "{name} missing from:\n{usage}");
        }
    }
}

/// The tool names in DISABLED_TOOLS, TOOL_SCOPES and RATE_LIMITS are checked when the binary
/// starts (`b2b_mcp::configure`), so a typo cannot leave a tool on, unscoped or unlimited.
#[test]
fn the_binary_refuses_a_setting_that_names_a_tool_it_does_not_have() {
    for (name, value) in [
        ("DISABLED_TOOLS", "request_email_discovry"),
        ("TOOL_SCOPES", "request_email_discovry=mcp:email"),
        ("RATE_LIMITS", "request_email_discovry=1/day"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"))
            .arg("serve")
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env("INBOUND_AUTH", "off")
            .env("BIND", "127.0.0.1:0")
            .env(name, value)
            .output()
            .expect("b2b-mcp serve");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{name}={value} must stop the start");
        assert!(stderr.contains(name) && stderr.contains("request_email_discovry"), "{name}: {stderr}");
    }
}
