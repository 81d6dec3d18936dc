//! Lambda's CPU share, emulated: Lambda gives a function one vCPU per 1,769 MB of memory, so a
//! 256 MB function runs on about 14% of a core. A cgroup v1 `cpu` group with
//! `cpu.cfs_quota_us` = period x MB / 1769 gives a process the same share (shared/TOOLING.md).
//! Where the controller is not writable (not root, cgroup v2) the bench says so and runs on
//! whole cores.
//!
//! The period is 20 ms by default (`COLD_START_CFS_PERIOD_US` changes it). With the kernel's
//! default 100 ms a process runs at full speed until its quota is spent, then waits out the rest
//! of the period: a start that needs 10 to 30 ms of CPU finishes either inside its first slice or
//! after a whole period, depending on where in the period it began, and the medians of 7 runs
//! swung from x0.3 to x2.3 the floor (bench-results/cold-start-period-100ms.txt). A shorter
//! period gives the same share in finer slices; 20 ms keeps 128 MB's quota above the kernel's
//! 1 ms minimum.

use std::path::PathBuf;
use std::process::Command;

const ROOT: &str = "/sys/fs/cgroup/cpu";
/// The CFS period, in microseconds.
pub fn period_us() -> u64 {
    std::env::var("COLD_START_CFS_PERIOD_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|p| *p >= 1_000)
        .unwrap_or(20_000)
}
/// Memory per vCPU (AWS Lambda: "1,769 MB equals one vCPU").
pub const MB_PER_VCPU: u64 = 1769;

/// A memory size's CPU share, or whole cores.
pub struct Share {
    pub memory_mb: Option<u64>,
    group: Option<PathBuf>,
}

impl Share {
    pub fn whole_cores() -> Share {
        Share { memory_mb: None, group: None }
    }

    /// The group for `memory_mb`, or why it cannot be made.
    pub fn lambda(memory_mb: u64) -> Result<Share, String> {
        let group = PathBuf::from(ROOT).join(format!("b2b-mcp-bench-{memory_mb}"));
        let period = period_us();
        let quota = (period * memory_mb / MB_PER_VCPU).max(1_000);
        let write = |file: &str, value: u64| {
            std::fs::write(group.join(file), value.to_string())
                .map_err(|e| format!("{}: {e}", group.join(file).display()))
        };
        std::fs::create_dir_all(&group).map_err(|e| format!("{}: {e}", group.display()))?;
        write("cpu.cfs_period_us", period)?;
        write("cpu.cfs_quota_us", quota)?;
        Ok(Share { memory_mb: Some(memory_mb), group: Some(group) })
    }

    pub fn label(&self) -> String {
        match self.memory_mb {
            Some(mb) => format!("{mb} MB ({:.0}% of a core)", 100.0 * mb as f64 / MB_PER_VCPU as f64),
            None => "whole cores".to_owned(),
        }
    }

    /// `binary` started inside the group from its first instruction: a shell joins the group,
    /// then becomes the binary (`exec`), so the process never runs outside its share.
    pub fn command(&self, binary: &std::path::Path) -> Command {
        match &self.group {
            Some(group) => {
                let mut command = Command::new("/bin/sh");
                command.args(["-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$1\"", &group.to_string_lossy()]);
                command.arg(binary);
                command
            }
            None => Command::new(binary),
        }
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        if let Some(group) = &self.group {
            // Its processes are gone (each run kills and waits for its child).
            let _ = std::fs::remove_dir(group);
        }
    }
}
