//! The settings as docs/configuration.md lists them, compiled in: `b2b-mcp --help` prints this
//! list, and a test holds it equal to the names the configuration reads, so the document, the
//! usage text and the code cannot drift apart.

/// docs/configuration.md itself.
pub const DOC: &str = include_str!("../../docs/configuration.md");

/// Each `## Group` of the document with the settings its table rows name (a row's first cell is
/// the setting in backticks), in the document's order.
pub fn documented() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut groups: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for line in DOC.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            groups.push((heading.trim(), Vec::new()));
        } else if let Some(name) = line.strip_prefix("| `").and_then(|rest| rest.split_once('`')).map(|(n, _)| n)
            && let Some((_, names)) = groups.last_mut()
        {
            names.push(name);
        }
    }
    groups.retain(|(_, names)| !names.is_empty());
    groups
}

/// The usage text: how to run the binary, then every setting by group.
pub fn usage() -> String {
    let mut text = String::from(
        "usage: b2b-mcp [serve [--bind HOST:PORT] | stdio]\n\
         In AWS Lambda (AWS_LAMBDA_RUNTIME_API set) it serves Lambda events.\n\
         Settings come from the environment (docs/configuration.md says what each does):\n",
    );
    for (group, names) in documented() {
        text.push_str(&format!("  {group}: {}\n", names.join(", ")));
    }
    text
}
