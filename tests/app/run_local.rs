//! `make run` and `make stdio` take the caller's settings: their defaults (a local stage with
//! mutations on) apply only where the environment says nothing. Both run for real, building with
//! the same cargo into the same target directory as this test (quick when the binaries are built).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use platform_local::testing::free_port;
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// A first build of platform-local on a loaded machine can take minutes.
const START_TIMEOUT: Duration = Duration::from_secs(900);

/// Where this test's binaries are: the target directory the scripts must build into.
fn target_dir() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_b2b-mcp"));
    binary.ancestors().nth(2).expect("<target>/<profile>/b2b-mcp").to_path_buf()
}

/// A process started in a group of its own; the whole group (script, cargo, platform, server)
/// is stopped when this is dropped, whatever the test's outcome.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        for (signal, grace) in [("-TERM", Duration::from_secs(3)), ("-KILL", Duration::ZERO)] {
            let _ = Command::new("kill").args([signal, "--", &group]).stderr(Stdio::null()).status();
            let waited = Instant::now();
            while waited.elapsed() < grace {
                if matches!(self.0.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.0.wait();
    }
}

/// What `cargo test` adds to a test's environment. Passed on to the nested cargo they would make
/// it rebuild: ring's build script reruns when CARGO_MANIFEST_DIR changes, and everything above
/// it follows, back and forth with every build from a shell.
fn set_by_cargo_test(name: &str) -> bool {
    ["CARGO_PKG_", "CARGO_BIN_EXE_", "CARGO_MANIFEST_", "CARGO_CRATE_"].iter().any(|p| name.starts_with(p))
        || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "CARGO_RUSTC_CURRENT_DIR", "OUT_DIR", "LD_LIBRARY_PATH"]
            .contains(&name)
}

/// Cargo and the target directory the script must use, and nothing from this shell that would
/// choose its settings for it.
fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_test) {
            command.env_remove(name);
        }
    }
    command
        .current_dir(ROOT)
        .env("CARGO", env!("CARGO"))
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("STAGE")
        .env_remove("AUTH")
        .env_remove("INBOUND_AUTH")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .process_group(0);
    command
}

/// Lines from both pipes, as they come.
fn lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    let pipes: [Box<dyn Read + Send>; 2] =
        [Box::new(child.stdout.take().expect("stdout")), Box::new(child.stderr.take().expect("stderr"))];
    for pipe in pipes {
        let send = send.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
    }
    receive
}

/// `scripts/run-local.sh` in a process group of its own with `env` on top, on free ports; returns
/// the group, the server's URL, the platform's port and the lines up to the server's
/// `configuration` start line, which is also returned.
fn run_local(env: &[(&str, &str)]) -> (Group, String, u16, Value, Vec<String>) {
    let (group, url, platform_port, configuration, seen, _output) = run_local_output(env);
    (group, url, platform_port, configuration, seen)
}

/// [`run_local`], and the lines that follow.
fn run_local_output(env: &[(&str, &str)]) -> (Group, String, u16, Value, Vec<String>, mpsc::Receiver<String>) {
    let port = free_port().expect("a free port");
    let platform_port = free_port().expect("a free port");
    let mut child = command("bash")
        .arg(Path::new(ROOT).join("scripts/run-local.sh"))
        .envs(env.iter().copied())
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("PLATFORM_PORT", platform_port.to_string())
        .env("COMPANIES", "300")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run scripts/run-local.sh");
    let output = lines(&mut child);
    let group = Group(child);

    let (configuration, mut seen) =
        first_json(&output, "the server's configuration line", |v| v["message"] == "configuration");
    // The configuration is logged before the socket is bound; `serve` names its URL once it is.
    let (_, listening) = first_json(&output, "the server's listening line", |v| v["url"].is_string());
    seen.extend(listening);
    (group, format!("http://127.0.0.1:{port}/mcp"), platform_port, configuration, seen, output)
}

/// The first line of `output` that is JSON and matches `wanted`, and every line up to it (for
/// the failure message); panics after [`START_TIMEOUT`] or when the output ends first.
fn first_json(output: &mpsc::Receiver<String>, what: &str, wanted: impl Fn(&Value) -> bool) -> (Value, Vec<String>) {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        match output.recv_timeout(START_TIMEOUT.saturating_sub(started.elapsed())) {
            Ok(line) => {
                let parsed = serde_json::from_str::<Value>(&line).ok().filter(|v| wanted(v));
                seen.push(line);
                if let Some(found) = parsed {
                    return (found, seen);
                }
            }
            Err(e) => panic!("no {what} ({e:?}) within {START_TIMEOUT:?}:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn make_run_keeps_allow_mutations_false_from_the_environment_and_says_so() {
    let (group, _url, _platform, configuration, seen) = run_local(&[("ALLOW_MUTATIONS", "false")]);
    drop(group);

    let text = seen.join("\n");
    assert_eq!(configuration["mutations"], "off", "the server was started with mutations: {configuration}\n{text}");
    assert_eq!(configuration["stage"], "local", "{configuration}");
    let banner = seen.iter().find(|l| l.starts_with("Stage:")).unwrap_or_else(|| panic!("no banner:\n{text}"));
    assert!(banner.contains("mutations off"), "{banner}");
    assert!(banner.contains("Stage: local") && banner.contains("auth: off"), "{banner}");
    assert!(!text.contains("MUTATIONS=1"), "no mutation smoke test is offered:\n{text}");
}

/// `make run AUTH=jwt`: a token minted as the banner says, with `--scope mcp:read`, lists the seven
/// read tools; the default token (mcp:read mcp:write) lists all ten.
#[test]
fn make_run_with_tokens_lists_seven_tools_to_a_reader_and_ten_to_a_writer() {
    let (group, url, platform_port, configuration, seen) = run_local(&[("AUTH", "jwt")]);
    assert_eq!(configuration["mutations"], "on", "{configuration}");
    let mint = |scope: Option<&str>| {
        let binaries = Path::new(env!("CARGO_BIN_EXE_b2b-mcp")).parent().expect("the profile directory");
        let mut mint = command(&binaries.join("platform-local").to_string_lossy());
        mint.args(["mint-token", "--tls", "--port", &platform_port.to_string(), "--sub", "you"]);
        if let Some(scope) = scope {
            mint.args(["--scope", scope]);
        }
        let output = mint.output().expect("platform-local mint-token");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let listed = |token: &str| -> Vec<String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}});
        let answer = post_json(&url, token, &body.to_string());
        answer["result"]["tools"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect()
    };
    let reader = listed(&mint(Some("mcp:read")));
    let writer = listed(&mint(None));
    drop(group);
    assert_eq!(reader.len(), 7, "a mcp:read token: {reader:?}\n{}", seen.join("\n"));
    assert!(!reader.iter().any(|t| t == "create_collection"), "{reader:?}");
    assert_eq!(writer.len(), 10, "a mcp:write token: {writer:?}");
}

/// `make run`: a tools/call with a `traceparent` in `_meta` has that trace id in its audit line
/// and in the platform's record of the GraphQL request, under the tool run's span; one with a
/// malformed `traceparent` header and none in `_meta` gets a fresh valid id, the same in both.
#[test]
fn make_run_carries_the_trace_from_the_call_to_the_platform() {
    let (group, url, _platform, _configuration, _seen, output) = run_local_output(&[]);
    let call = |meta_traceparent: Option<&str>, headers: &[String]| {
        let mut meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}});
        if let Some(traceparent) = meta_traceparent {
            meta["traceparent"] = traceparent.into();
        }
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "search_companies", "arguments": {"country": "DE"}, "_meta": meta}});
        let answer = post_mcp(&url, headers, &body.to_string());
        assert_eq!(answer["result"]["isError"], false, "{answer}");
        // The platform writes its record before the server writes the audit line; read both.
        let (mut audit, mut platform, mut seen) = (None, None, Vec::new());
        while audit.is_none() || platform.is_none() {
            let wanted = |v: &Value| {
                (audit.is_none() && v["target"] == "audit") || (platform.is_none() && v["target"] == "platform.request")
            };
            let (line, more) = first_json(&output, "the audit line and the platform's record", wanted);
            seen.extend(more);
            if line["target"] == "audit" { audit = Some(line) } else { platform = Some(line) }
        }
        (audit.unwrap_or_default(), platform.unwrap_or_default(), seen)
    };

    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let (audit, platform, seen) = call(Some(caller), &[]);
    assert_eq!(audit["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736", "{audit}\n{}", seen.join("\n"));
    assert_eq!(platform["trace_id"], audit["trace_id"], "{platform}");
    assert_eq!(platform["parent_span_id"], audit["span_id"], "the request is the tool run's child: {platform}");
    assert_eq!(platform["operation"], "SearchCompanies", "{platform}");
    assert_eq!(platform["xray_trace_id"], "1-4bf92f35-77b34da6a3ce929d0e0e4736", "{platform}");

    let (audit, platform, _) = call(None, &["traceparent: 00-not-a-trace-01".to_owned()]);
    drop(group);
    let fresh = audit["trace_id"].as_str().expect("a trace id");
    assert!(fresh.len() == 32 && fresh.bytes().all(|c| c.is_ascii_hexdigit()) && fresh != "0".repeat(32), "{audit}");
    assert_ne!(fresh, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(platform["trace_id"], fresh, "{platform}");
    assert!(!audit.to_string().contains("not-a-trace"), "a malformed value is never logged: {audit}");
}

/// One JSON POST over a plain socket (this test has no async runtime), as `curl` would send it.
fn post_json(url: &str, token: &str, body: &str) -> Value {
    post_mcp(url, &[format!("Authorization: Bearer {token}")], body)
}

/// The same with `headers` (whole lines) and the MCP method and tool name headers the body calls
/// for.
fn post_mcp(url: &str, headers: &[String], body: &str) -> Value {
    let address = url.trim_start_matches("http://").split('/').next().expect("host:port");
    let mut stream = std::net::TcpStream::connect(address).expect("connect to make run's server");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let parsed: Value = serde_json::from_str(body).expect("a JSON body");
    let mut lines = vec![format!("Mcp-Method: {}", parsed["method"].as_str().expect("a method"))];
    if let Some(name) = parsed["params"]["name"].as_str() {
        lines.push(format!("Mcp-Name: {name}"));
    }
    lines.extend(headers.iter().cloned());
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nAccept: application/json\r\n\
         MCP-Protocol-Version: 2026-07-28\r\n{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        lines.join("\r\n"),
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let json = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

#[test]
fn make_stdio_keeps_allow_mutations_false_from_the_environment() {
    let mut child = command("make")
        .args(["-s", "--no-print-directory", "stdio"])
        .env("ALLOW_MUTATIONS", "false")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run make stdio");
    let mut stdin = child.stdin.take().expect("stdin");
    let output = lines(&mut child);
    let group = Group(child);

    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
            "capabilities": {}, "clientInfo": {"name": "make-stdio-test", "version": "1.0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    ];
    for message in messages {
        stdin.write_all(format!("{message}\n").as_bytes()).expect("write");
    }
    stdin.flush().expect("flush");
    let (answer, seen) = first_json(&output, "an answer to tools/list", |v| v["id"] == 2 && v["result"].is_object());
    drop(stdin);
    drop(group);
    let tools: Vec<&str> =
        answer["result"]["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(tools.len(), 7, "the read tools only: {tools:?}\n{}", seen.join("\n"));
    assert!(!tools.contains(&"create_collection"), "{tools:?}");
}
