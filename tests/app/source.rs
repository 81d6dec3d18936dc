//! Reading Rust source for the tests that hold the code's shape (house.rs) and its settings list
//! (settings.rs): a small lexer that separates code from comments and string literals, and drops
//! items compiled only for tests. Not a parser: enough to find paths and literals reliably.

/// A file's code and string literals, without comments and without `#[cfg(test)]` items.
pub struct Source {
    /// The code; each string literal is left as `""` and comments are gone.
    pub code: String,
    /// The contents of the string literals in the code kept (escapes left as written).
    pub literals: Vec<String>,
}

impl Source {
    pub fn read(text: &str) -> Source {
        let (code, all) = lex(text);
        // Number the literals (`"0"`, `"1"`, …), drop the test items, and keep what survives.
        let mut numbered = String::with_capacity(code.len());
        for (i, piece) in code.split("\"\"").enumerate() {
            if i > 0 {
                numbered.push_str(&format!("\"{}\"", i - 1));
            }
            numbered.push_str(piece);
        }
        let kept = without_test_items(&numbered);
        let (mut code, mut literals) = (String::with_capacity(kept.len()), Vec::new());
        for (i, piece) in kept.split('"').enumerate() {
            if i % 2 == 0 {
                code.push_str(piece);
            } else {
                code.push_str("\"\"");
                literals.extend(piece.parse::<usize>().ok().and_then(|n| all.get(n).cloned()));
            }
        }
        Source { code, literals }
    }
}

/// Comments removed, string and char literals emptied (`""`, `' '`), their contents collected.
fn lex(text: &str) -> (String, Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    let (mut code, mut literals) = (String::with_capacity(text.len()), Vec::new());
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = at(i);
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && at(i) != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' || ((c == 'r' || c == 'b') && starts_raw_or_byte_string(&chars, i)) {
            let prev = if i == 0 { ' ' } else { at(i - 1) };
            if c != '"' && (prev.is_alphanumeric() || prev == '_') {
                code.push(c);
                i += 1;
                continue;
            }
            let (literal, end) = string_at(&chars, i);
            literals.push(literal);
            code.push_str("\"\"");
            i = end;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), else a lifetime or a label.
            if at(i + 1) == '\\' {
                let mut j = i + 2;
                while j < chars.len() && at(j) != '\'' {
                    j += 1;
                }
                code.push_str("' '");
                i = j + 1;
            } else if at(i + 2) == '\'' {
                code.push_str("' '");
                i += 3;
            } else {
                code.push(c);
                i += 1;
            }
        } else {
            code.push(c);
            i += 1;
        }
    }
    (code, literals)
}

fn starts_raw_or_byte_string(chars: &[char], i: usize) -> bool {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) == Some(&'r') {
        j += 1;
        while chars.get(j) == Some(&'#') {
            j += 1;
        }
    }
    j > i && chars.get(j) == Some(&'"')
}

/// The literal starting at `i` (`"…"`, `r#"…"#`, `b"…"`) and the index after it.
fn string_at(chars: &[char], mut i: usize) -> (String, usize) {
    let mut raw = false;
    if chars.get(i) == Some(&'b') {
        i += 1;
    }
    let mut hashes = 0;
    if chars.get(i) == Some(&'r') {
        raw = true;
        i += 1;
        while chars.get(i) == Some(&'#') {
            hashes += 1;
            i += 1;
        }
    }
    i += 1; // the opening quote
    let mut literal = String::new();
    while i < chars.len() {
        let c = chars[i];
        if !raw && c == '\\' {
            literal.push(c);
            if let Some(next) = chars.get(i + 1) {
                literal.push(*next);
            }
            i += 2;
            continue;
        }
        if c == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
            return (literal, i + 1 + hashes);
        }
        literal.push(c);
        i += 1;
    }
    (literal, i)
}

/// `code` without the items marked `#[cfg(test)]` (a test module, a test-only `use` or fn): the
/// attribute, any attributes after it, and the item up to its `;` or its matching `}`.
fn without_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let mut item = &rest[at + "#[cfg(test)]".len()..];
        // Further attributes (`#[path = "…"]`) belong to the same item.
        while let Some(after) = item.trim_start().strip_prefix("#[") {
            item = after.split_once(']').map_or("", |(_, tail)| tail);
        }
        let semicolon = item.find(';').unwrap_or(item.len());
        let brace = item.find('{').unwrap_or(item.len());
        rest = if semicolon < brace {
            &item[(semicolon + 1).min(item.len())..]
        } else {
            let mut depth = 0;
            let mut end = item.len();
            for (i, c) in item.char_indices().skip(brace) {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            &item[end..]
        };
    }
    out.push_str(rest);
    out
}

#[test]
fn comments_strings_and_test_items_are_told_apart() {
    let text = r##"use crate::a; // crate::b
/* crate::c /* nested */ */ let url = "http://x//y \"crate::d\""; let r = r#"crate::e "q""#;
let c = '"'; fn f<'a>(x: &'a str) {}
#[cfg(test)]
#[path = "t.rs"]
mod tests;
fn g() { crate::f(); }
#[cfg(test)]
mod inline { fn h() { let s = "TEST_ONLY"; crate::g(); } }
fn after() { crate::h(); let s = "KEPT"; }
"##;
    let source = Source::read(text);
    assert!(source.code.contains("crate::a") && source.code.contains("crate::f") && source.code.contains("crate::h"));
    for gone in ["crate::b", "crate::c", "crate::d", "crate::e", "crate::g", "mod tests", "mod inline"] {
        assert!(!source.code.contains(gone), "{gone} in:\n{}", source.code);
    }
    assert!(source.code.contains("fn f<'a>(x: &'a str)"), "lifetimes kept:\n{}", source.code);
    assert!(source.literals.iter().any(|l| l == "http://x//y \\\"crate::d\\\""), "{:?}", source.literals);
    assert!(source.literals.iter().any(|l| l == "KEPT"), "{:?}", source.literals);
    assert!(!source.literals.iter().any(|l| l == "TEST_ONLY" || l == "t.rs"), "{:?}", source.literals);
}
