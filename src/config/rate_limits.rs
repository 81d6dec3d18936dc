//! How many calls each caller may make: per tool, in a one-minute and a one-day window, and the
//! grammar `RATE_LIMITS` is written in.
//!
//! `RATE_LIMITS="*=120/min,*=5000/day,ai_search=5/min,request_email_discovery=50/day"`: each entry
//! is `tool=N/min` or `tool=N/day`; a bare `tool=N` means per minute (the older form). `*` is the
//! default for every tool without its own entry in that window, counted per tool, so every tool is
//! limited. Entries replace the built-in [`DEFAULTS`] for their tool and window only: a stage that
//! raises one limit keeps the paid tool's daily quota.
//!
//! Windows are fixed and aligned to the Unix epoch (UTC): a minute window ends on the minute, a
//! day window at 00:00 UTC. Both stores count the same way, so a refusal can say when it ends.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// A counting window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Window {
    Minute,
    Day,
}

impl Window {
    /// The order a call is counted in. The minute comes first: a call the minute window refuses
    /// never spends the day's quota (for the paid tool, money).
    pub const CHECK_ORDER: [Window; 2] = [Window::Minute, Window::Day];

    pub fn seconds(self) -> u64 {
        match self {
            Window::Minute => 60,
            Window::Day => 86_400,
        }
    }

    /// The unit in `RATE_LIMITS` (`/min`, `/day`).
    pub fn unit(self) -> &'static str {
        match self {
            Window::Minute => "min",
            Window::Day => "day",
        }
    }

    /// The index of the window holding `now` (time since the Unix epoch).
    pub fn index(self, now: Duration) -> u64 {
        now.as_secs() / self.seconds()
    }

    /// How long until the window holding `now` ends; at least a second, so "retry in 0 seconds"
    /// is never said.
    pub fn remaining(self, now: Duration) -> Duration {
        let end = Duration::from_secs((self.index(now) + 1) * self.seconds());
        end.saturating_sub(now).max(Duration::from_secs(1))
    }

    /// What the model reads when `tool` is refused: the wait in seconds always (clients and
    /// models parse "retry in N seconds"), and for the day window the wait in words and the
    /// reset time too, since "retry in 40000 seconds" alone is hard to act on.
    pub fn refusal(self, tool: &str, limit: u32, retry_after: Duration) -> String {
        let secs = retry_after.as_secs().max(1);
        match self {
            Window::Minute => format!("rate limit reached for {tool}: retry in {secs} seconds"),
            Window::Day => format!(
                "rate limit reached for {tool}: the daily quota of {limit} calls per caller is used up; \
                 retry in {secs} seconds ({}), when the daily window resets at 00:00 UTC",
                in_words(secs)
            ),
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Window::Minute => "minute",
            Window::Day => "day",
        })
    }
}

/// "about 5 hours 12 minutes", "about 3 minutes", "12 seconds".
fn in_words(secs: u64) -> String {
    let plural = |n: u64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    let (hours, minutes) = (secs / 3600, secs % 3600 / 60);
    match (hours, minutes) {
        (0, 0) => plural(secs, "second"),
        (0, m) => format!("about {}", plural(m, "minute")),
        (h, 0) => format!("about {}", plural(h, "hour")),
        (h, m) => format!("about {} {}", plural(h, "hour"), plural(m, "minute")),
    }
}

/// The name that stands for every tool without its own entry.
pub const ANY_TOOL: &str = "*";

/// The limits when `RATE_LIMITS` says nothing (and under whatever it says): generous for reads,
/// tight where a call costs money (ai_search, request_email_discovery) or writes.
pub const DEFAULTS: [(&str, Window, u32); 9] = [
    (ANY_TOOL, Window::Minute, 120),
    (ANY_TOOL, Window::Day, 5_000),
    ("ai_search", Window::Minute, 5),
    ("create_collection", Window::Minute, 10),
    ("create_collection", Window::Day, 200),
    ("add_to_collection", Window::Minute, 60),
    ("add_to_collection", Window::Day, 1_000),
    ("request_email_discovery", Window::Minute, 5),
    ("request_email_discovery", Window::Day, 50),
];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PerWindow {
    minute: Option<u32>,
    day: Option<u32>,
}

impl PerWindow {
    fn slot(&mut self, window: Window) -> &mut Option<u32> {
        match window {
            Window::Minute => &mut self.minute,
            Window::Day => &mut self.day,
        }
    }

    fn get(&self, window: Window) -> Option<u32> {
        match window {
            Window::Minute => self.minute,
            Window::Day => self.day,
        }
    }
}

/// Calls per caller, per tool and window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimits {
    any: PerWindow,
    tools: BTreeMap<String, PerWindow>,
}

/// An entry of `RATE_LIMITS` that is not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?}: {problem}")]
pub struct LimitError {
    pub entry: String,
    pub problem: String,
}

impl RateLimits {
    /// No tool limited (tests and benchmarks; a configuration always starts from [`DEFAULTS`]).
    pub fn none() -> RateLimits {
        RateLimits::default()
    }

    /// [`DEFAULTS`].
    pub fn defaults() -> RateLimits {
        DEFAULTS.iter().fold(RateLimits::none(), |limits, &(tool, window, calls)| limits.with(tool, window, calls))
    }

    /// `calls` per `window` for `tool` (or for every tool without its own, when `tool` is `*`).
    pub fn set(&mut self, tool: &str, window: Window, calls: u32) {
        let entry = if tool == ANY_TOOL { &mut self.any } else { self.tools.entry(tool.to_owned()).or_default() };
        *entry.slot(window) = Some(calls);
    }

    pub fn with(mut self, tool: &str, window: Window, calls: u32) -> RateLimits {
        self.set(tool, window, calls);
        self
    }

    /// The limit `tool` has in `window`: its own, else the default; `None`: unlimited there.
    pub fn limit(&self, tool: &str, window: Window) -> Option<u32> {
        self.tools.get(tool).and_then(|own| own.get(window)).or_else(|| self.any.get(window))
    }

    /// The windows `tool` is limited in, with their limits, in [`Window::CHECK_ORDER`].
    pub fn windows<'a>(&'a self, tool: &'a str) -> impl Iterator<Item = (Window, u32)> + 'a {
        Window::CHECK_ORDER.into_iter().filter_map(move |w| self.limit(tool, w).map(|n| (w, n)))
    }

    /// Apply a `RATE_LIMITS` value on top of these limits. Answers the entries that named a tool
    /// (not `*`), each with its tool: whether the tool exists is the registry's to say
    /// ([`super::Config::check_tool_names`]).
    pub fn apply(&mut self, text: &str) -> Result<Vec<(String, String)>, LimitError> {
        let mut named = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (tool, window, calls) =
                parse_entry(entry).map_err(|problem| LimitError { entry: entry.to_owned(), problem })?;
            self.set(tool, window, calls);
            if tool != ANY_TOOL {
                named.push((entry.to_owned(), tool.to_owned()));
            }
        }
        Ok(named)
    }
}

fn parse_entry(entry: &str) -> Result<(&str, Window, u32), String> {
    let Some((tool, amount)) = entry.split_once('=') else {
        return Err("expected tool=N/min or tool=N/day, e.g. ai_search=5/min or *=5000/day".to_owned());
    };
    let tool = tool.trim();
    if tool.is_empty() || tool.contains(char::is_whitespace) {
        return Err(format!("a tool name (or * for every tool without its own entry) before =, not {tool:?}"));
    }
    let (calls, unit) = amount.split_once('/').unwrap_or((amount, "min"));
    let window = match unit.trim() {
        "min" | "minute" => Window::Minute,
        "day" => Window::Day,
        other => return Err(format!("unknown window {other:?}; /min or /day")),
    };
    let calls = calls.trim().parse::<u32>().ok().filter(|n| *n > 0);
    let calls = calls.ok_or_else(|| format!("the number of calls must be a whole number from 1 to {}", u32::MAX))?;
    Ok((tool, window, calls))
}

/// The limits in `RATE_LIMITS` form, defaults first: `*=120/min,*=5000/day,ai_search=5/min,...`.
impl fmt::Display for RateLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = std::iter::once((ANY_TOOL, &self.any)).chain(self.tools.iter().map(|(t, l)| (t.as_str(), l)));
        let mut first = true;
        for (tool, limits) in rows {
            for window in Window::CHECK_ORDER {
                if let Some(calls) = limits.get(window) {
                    let sep = if first { "" } else { "," };
                    write!(f, "{sep}{tool}={calls}/{}", window.unit())?;
                    first = false;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOLS: [&str; 4] = ["ai_search", "search_companies", "create_collection", "request_email_discovery"];

    fn parsed(text: &str) -> Result<RateLimits, LimitError> {
        let mut limits = RateLimits::none();
        limits.apply(text).map(|_| limits)
    }

    #[test]
    fn the_grammar_reads_minutes_days_and_the_default() {
        let l = parsed(
            "*=120/min, *=5000/day,ai_search=5/min,request_email_discovery=5/minute,request_email_discovery=50/day",
        )
        .unwrap();
        assert_eq!(l.limit("ai_search", Window::Minute), Some(5));
        assert_eq!(l.limit("ai_search", Window::Day), Some(5000), "the default fills the window without an entry");
        assert_eq!(l.limit("search_companies", Window::Minute), Some(120));
        assert_eq!(l.limit("request_email_discovery", Window::Day), Some(50));
        assert_eq!(l.windows("request_email_discovery").collect::<Vec<_>>(), [(Window::Minute, 5), (Window::Day, 50)]);
    }

    #[test]
    fn a_bare_number_means_per_minute_and_a_later_entry_wins() {
        let l = parsed("ai_search=7,ai_search=9").unwrap();
        assert_eq!((l.limit("ai_search", Window::Minute), l.limit("ai_search", Window::Day)), (Some(9), None));
        assert_eq!(l.windows("search_companies").count(), 0, "no default, no limit");
    }

    #[test]
    fn entries_replace_only_their_own_tool_and_window_of_the_defaults() {
        let mut l = RateLimits::defaults();
        l.apply("request_email_discovery=2/min,*=10/min").unwrap();
        assert_eq!(l.limit("request_email_discovery", Window::Minute), Some(2));
        assert_eq!(l.limit("request_email_discovery", Window::Day), Some(50), "the paid tool keeps its daily quota");
        assert_eq!(l.limit("search_companies", Window::Minute), Some(10));
        assert_eq!(l.limit("search_companies", Window::Day), Some(5000));
        assert_eq!(l.limit("ai_search", Window::Minute), Some(5), "a tool's own entry beats the default");
    }

    #[test]
    fn bad_entries_are_named_with_what_is_wrong() {
        for (text, entry, problem) in [
            ("ai_search=0", "ai_search=0", "whole number from 1"),
            ("ai_search=-1/day", "ai_search=-1/day", "whole number from 1"),
            ("ai_search=5000000000/day", "ai_search=5000000000/day", "whole number from 1"),
            ("ai_search=five", "ai_search=five", "whole number from 1"),
            ("ai_search=5/hour", "ai_search=5/hour", "unknown window \"hour\""),
            ("ai_search", "ai_search", "expected tool=N/min"),
            ("=5", "=5", "a tool name"),
            ("ai search=5", "ai search=5", "a tool name"),
        ] {
            let err = parsed(text).unwrap_err();
            assert_eq!(err.entry, entry, "{text}");
            assert!(err.problem.contains(problem), "{text}: {}", err.problem);
        }
        assert_eq!(parsed(" , ai_search=5 ,").unwrap().limit("ai_search", Window::Minute), Some(5), "blanks skipped");
    }

    #[test]
    fn the_defaults_limit_every_tool_and_give_the_paid_tool_a_daily_quota() {
        let d = RateLimits::defaults();
        for tool in TOOLS {
            assert!(d.limit(tool, Window::Minute).is_some() && d.limit(tool, Window::Day).is_some(), "{tool}");
        }
        assert_eq!(d.limit("request_email_discovery", Window::Day), Some(50));
        let text = d.to_string();
        assert!(text.starts_with("*=120/min,*=5000/day,"), "{text}");
        let mut round = RateLimits::none();
        let named = round.apply(&text).unwrap();
        assert!(named.iter().any(|(entry, tool)| entry == "ai_search=5/min" && tool == "ai_search"), "{named:?}");
        assert_eq!(round, d, "Display writes what apply reads");
    }

    #[test]
    fn windows_end_on_the_minute_and_at_midnight_utc() {
        let now = Duration::from_secs(1_700_000_000) + Duration::from_millis(250); // 22:13:20.25 UTC
        assert_eq!(Window::Minute.remaining(now), Duration::from_millis(39_750));
        assert_eq!(Window::Day.remaining(now), Duration::from_millis(6_399_750));
        assert_eq!(Window::Minute.remaining(Duration::from_secs(120)), Duration::from_secs(60), "at a boundary: whole");
        assert_eq!(Window::Day.remaining(Duration::from_secs(86_400 - 1) + Duration::from_millis(900)).as_secs(), 1);
        assert_ne!(Window::Minute.index(now), Window::Day.index(now));
    }

    #[test]
    fn a_refusal_says_when_to_retry() {
        let minute = Window::Minute.refusal("ai_search", 5, Duration::from_secs(42));
        assert_eq!(minute, "rate limit reached for ai_search: retry in 42 seconds");
        let day = Window::Day.refusal("request_email_discovery", 50, Duration::from_secs(18_720));
        assert_eq!(
            day,
            "rate limit reached for request_email_discovery: the daily quota of 50 calls per caller is used up; \
             retry in 18720 seconds (about 5 hours 12 minutes), when the daily window resets at 00:00 UTC"
        );
        assert_eq!(in_words(61), "about 1 minute");
        assert_eq!(in_words(3600), "about 1 hour");
        assert_eq!(in_words(59), "59 seconds");
    }
}
