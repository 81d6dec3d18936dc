//! moto's server (PyPI `moto[server]`, from `make tools`): Secrets Manager and DynamoDB on a
//! loopback port, for the AppSync client's secrets and the state store's table.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::aws::test_sdk_config;
use crate::tools::venv_bin;

/// moto's server on a port the kernel gives it (bound by moto itself and printed, so no other
/// process can take it between choosing and binding: with a port chosen first, two tests, or two
/// test runs, could meet on one port, and a test then talked to another's server), stopped when
/// dropped. Reach it with the SDK settings of [`test_sdk_config`] (moto takes any credentials).
pub struct Moto {
    child: Child,
    /// Held open: moto prints nothing more, but a closed pipe must not become its error.
    _stdout: BufReader<ChildStdout>,
    pub url: String,
}

/// moto's threaded server (what `moto_server` runs) on 127.0.0.1 port 0; prints the bound port,
/// then waits until killed.
const SERVE: &str = "\
import sys, threading
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
threading.Event().wait()
";

impl Moto {
    pub fn start() -> Moto {
        let mut child = Command::new(venv_bin("python"))
            .args(["-c", SERVE])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto's server");
        let mut stdout = BufReader::new(child.stdout.take().expect("moto's stdout"));
        // The port line, read on a thread so a moto that never starts fails the test in time.
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut line = String::new();
            let read = stdout.read_line(&mut line);
            let _ = tx.send(read.map(|_| line));
            stdout
        });
        let port = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(line)) => line.trim().parse::<u16>().ok(),
            _ => None,
        };
        let Some(port) = port.filter(|p| *p != 0) else {
            let _ = child.kill();
            let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
            panic!("moto's server did not say its port within 60 s ({status})");
        };
        let stdout = reader.join().expect("moto's stdout reader");
        Moto { child, _stdout: stdout, url: format!("http://127.0.0.1:{port}") }
    }

    /// A Secrets Manager client on this moto.
    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        let conf = aws_sdk_secretsmanager::config::Builder::from(&test_sdk_config()).endpoint_url(&self.url).build();
        aws_sdk_secretsmanager::Client::from_conf(conf)
    }

    /// Create a secret holding `value`; its ARN.
    pub async fn create_secret(&self, name: &str, value: &str) -> String {
        let out = self.secrets().create_secret().name(name).secret_string(value).send().await.expect("create secret");
        out.arn().expect("arn").to_owned()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
