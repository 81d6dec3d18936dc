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
    /// Each process gets a group of its own under this one, made by [`Share::command`].
    group: Option<PathBuf>,
}

/// One process's group, removed when dropped (after its process has been waited for).
pub struct Group(Option<PathBuf>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(group) = &self.0
            && let Err(e) = std::fs::remove_dir(group)
        {
            eprintln!("{}: not removed: {e}", group.display());
        }
    }
}

static NEXT_GROUP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Share {
    pub fn whole_cores() -> Share {
        Share { memory_mb: None, group: None }
    }

    /// The share for `memory_mb`, or why it cannot be made (tried once here, with the group
    /// every process's own group goes under).
    pub fn lambda(memory_mb: u64) -> Result<Share, String> {
        let group = PathBuf::from(ROOT).join(format!("b2b-mcp-bench-{memory_mb}"));
        std::fs::create_dir_all(&group).map_err(|e| format!("{}: {e}", group.display()))?;
        // No limit on the parent itself (an earlier version of this bench put the quota there).
        let unlimited = group.join("cpu.cfs_quota_us");
        std::fs::write(&unlimited, "-1").map_err(|e| format!("{}: {e}", unlimited.display()))?;
        let share = Share { memory_mb: Some(memory_mb), group: Some(group) };
        drop(share.group_for_one()?);
        Ok(share)
    }

    /// A new group at this share for one process. Each process has its own, as each Lambda
    /// sandbox has its own share: in a group shared with the process before, a start could wait
    /// out the rest of a period whose quota that process had spent (its warm calls, its exit),
    /// so the binary run after a busy one paid for it.
    fn group_for_one(&self) -> Result<Group, String> {
        let (Some(parent), Some(memory_mb)) = (&self.group, self.memory_mb) else {
            return Ok(Group(None));
        };
        let n = NEXT_GROUP.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let group = parent.join(format!("p{}-{n}", std::process::id()));
        let period = period_us();
        let quota = (period * memory_mb / MB_PER_VCPU).max(1_000);
        let write = |file: &str, value: u64| {
            std::fs::write(group.join(file), value.to_string())
                .map_err(|e| format!("{}: {e}", group.join(file).display()))
        };
        std::fs::create_dir(&group).map_err(|e| format!("{}: {e}", group.display()))?;
        let made = Group(Some(group.clone()));
        write("cpu.cfs_period_us", period)?;
        write("cpu.cfs_quota_us", quota)?;
        Ok(made)
    }

    pub fn label(&self) -> String {
        match self.memory_mb {
            Some(mb) => format!("{mb} MB ({:.0}% of a core)", 100.0 * mb as f64 / MB_PER_VCPU as f64),
            None => "whole cores".to_owned(),
        }
    }

    /// `binary` started inside a group of its own from its first instruction: a shell joins the
    /// group, then becomes the binary (`exec`), so the process never runs outside its share. Keep
    /// the group until the process has been waited for.
    pub fn command(&self, binary: &std::path::Path) -> (Command, Group) {
        let group = self.group_for_one().unwrap_or_else(|e| panic!("a cgroup for one process: {e}"));
        let command = match &group.0 {
            Some(path) => {
                let mut command = Command::new("/bin/sh");
                command.args(["-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$1\"", &path.to_string_lossy()]);
                command.arg(binary);
                command
            }
            None => Command::new(binary),
        };
        (command, group)
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        if let Some(group) = &self.group {
            // Its processes' groups are gone (each run kills and waits for its child, then
            // drops its group).
            let _ = std::fs::remove_dir(group);
        }
    }
}
