//! What every setting fails with, and the mode that decides defaults (a leaf: the other files of
//! `config/` use it, and it uses none of them).

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name}={value:?} is not valid: {expected}")]
    Invalid { name: &'static str, value: String, expected: String },
}

/// Where the process runs; decides defaults that differ between a laptop and a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Lambda,
    Serve,
    Stdio,
}
