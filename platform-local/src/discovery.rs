//! How an e-mail discovery request progresses on the local platform: nothing runs in the
//! background; a request's status follows from its age on a [`DiscoverySchedule`]. It is QUEUED
//! when created, RUNNING from `running_after`, and done (COMPLETED, or FAILED when the platform
//! knows no domain for the company) from `done_after`. `make run` uses the default (2 s, 10 s), so
//! a client sees progress within seconds; tests set a fast one (`--discovery-schedule`,
//! [`crate::Settings::discovery_schedule`], [`crate::testing::TempPlatform::start_with_schedule`]).

use std::str::FromStr;
use std::time::Duration;

/// When a request starts running and when it is done, counted from its creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoverySchedule {
    running_after: Duration,
    done_after: Duration,
}

/// Where a request is on its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Queued,
    Running,
    /// COMPLETED or FAILED: which of the two is the request's own (its company), not the clock's.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("the discovery schedule is RUNNING_AFTER_MS,DONE_AFTER_MS (two whole numbers of milliseconds), not {0:?}")]
    Format(String),
    #[error("a discovery cannot be done ({done_ms} ms) before it runs ({running_ms} ms)")]
    DoneBeforeRunning { running_ms: u128, done_ms: u128 },
}

impl Default for DiscoverySchedule {
    /// Running after 2 s, done after 10 s.
    fn default() -> Self {
        DiscoverySchedule { running_after: Duration::from_secs(2), done_after: Duration::from_secs(10) }
    }
}

impl DiscoverySchedule {
    pub fn new(running_after: Duration, done_after: Duration) -> Result<DiscoverySchedule, ScheduleError> {
        if done_after < running_after {
            return Err(ScheduleError::DoneBeforeRunning {
                running_ms: running_after.as_millis(),
                done_ms: done_after.as_millis(),
            });
        }
        Ok(DiscoverySchedule { running_after, done_after })
    }

    pub fn running_after(&self) -> Duration {
        self.running_after
    }

    pub fn done_after(&self) -> Duration {
        self.done_after
    }

    /// The phase of a request created `age` ago.
    pub fn phase(&self, age: Duration) -> Phase {
        if age >= self.done_after {
            Phase::Done
        } else if age >= self.running_after {
            Phase::Running
        } else {
            Phase::Queued
        }
    }

    /// How long after its creation a request entered `phase` (its `updatedAt`).
    pub fn entered(&self, phase: Phase) -> Duration {
        match phase {
            Phase::Queued => Duration::ZERO,
            Phase::Running => self.running_after,
            Phase::Done => self.done_after,
        }
    }
}

/// `RUNNING_AFTER_MS,DONE_AFTER_MS`, as `--discovery-schedule` takes it: `2000,10000`.
impl FromStr for DiscoverySchedule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, ScheduleError> {
        let format = || ScheduleError::Format(text.to_owned());
        let (running, done) = text.split_once(',').ok_or_else(format)?;
        let ms = |part: &str| part.trim().parse::<u64>().map(Duration::from_millis).map_err(|_| format());
        DiscoverySchedule::new(ms(running)?, ms(done)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn a_request_is_queued_then_running_then_done() {
        let s: DiscoverySchedule = "300,1500".parse().unwrap();
        assert_eq!([0, 299, 300, 1499, 1500, 86_400_000].map(|ms| s.phase(MS(ms))), {
            use Phase::*;
            [Queued, Queued, Running, Running, Done, Done]
        });
        assert_eq!([Phase::Queued, Phase::Running, Phase::Done].map(|p| s.entered(p)), [MS(0), MS(300), MS(1500)]);
    }

    #[test]
    fn the_default_shows_progress_within_seconds() {
        let s = DiscoverySchedule::default();
        assert_eq!((s.running_after(), s.done_after()), (MS(2000), MS(10_000)));
        assert_eq!(s.phase(MS(2500)), Phase::Running);
    }

    #[test]
    fn a_schedule_can_be_immediate_but_not_done_before_it_runs() {
        let now: DiscoverySchedule = "0,0".parse().unwrap();
        assert_eq!(now.phase(Duration::ZERO), Phase::Done);
        assert_eq!(" 5 , 5 ".parse::<DiscoverySchedule>().unwrap().phase(MS(5)), Phase::Done);
        assert_eq!(
            "10,5".parse::<DiscoverySchedule>(),
            Err(ScheduleError::DoneBeforeRunning { running_ms: 10, done_ms: 5 })
        );
        for bad in ["", "5", "a,b", "-1,5", "1,2,3", "1.5,2"] {
            assert!(matches!(bad.parse::<DiscoverySchedule>(), Err(ScheduleError::Format(_))), "{bad:?}");
        }
    }
}
