//! moto's server (PyPI `moto[server]`, from `make tools`): Secrets Manager and DynamoDB on a
//! loopback port, for the AppSync client's secrets and the state store's table.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use platform_local::testing::{free_port, wait_for_listener_blocking};

use crate::common::aws::test_sdk_config;
use crate::tools::venv_bin;

/// moto's server on a free loopback port, stopped when dropped. Reach it with the SDK settings
/// of [`test_sdk_config`] (moto takes any credentials).
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port().expect("a free port");
        let mut child = Command::new(venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let exited = || child.try_wait().ok().flatten().map(|status| format!("moto_server exited ({status})"));
        wait_for_listener_blocking(port, Duration::from_secs(30), exited).expect("moto starts");
        Moto { child, url: format!("http://127.0.0.1:{port}") }
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
