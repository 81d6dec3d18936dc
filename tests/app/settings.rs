//! docs/configuration.md lists every setting the server reads, once, and nothing else: a setting
//! read in src/config/ or src/main.rs but not documented fails here, and so does a documented one
//! that nothing reads. `b2b-mcp --help` prints the same list.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use b2b_mcp::config::settings;

/// Every all-caps string literal (`"APPSYNC_URL"`) in the code that reads settings: the
/// configuration (outside its tests) and `main.rs`.
fn names_read() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("src/main.rs")];
    let config = std::fs::read_dir(root.join("src/config")).expect("src/config");
    files.extend(config.flatten().map(|e| e.path()).filter(|p| p.file_name().is_some_and(|n| n != "tests.rs")));
    let mut names = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or_default();
        for literal in code.split('"').skip(1).step_by(2) {
            let is_name = literal.len() > 2
                && literal.starts_with(|c: char| c.is_ascii_uppercase())
                && literal.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if is_name {
                names.insert(literal.to_owned());
            }
        }
    }
    names
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
