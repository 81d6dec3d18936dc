//! The cold-start tables: medians per binary, CPU share and mode, the ratio to the floor, and
//! what Lambda would bill for a cold and a warm call at each memory size.

use std::time::Duration;

use super::{AuthMode, Binary, Row};

/// One process's figures.
pub struct Sample {
    pub init: Duration,
    pub first_call: Duration,
    pub total: Duration,
    /// Median of the warm invocations after the cold one.
    pub warm: Duration,
    /// CPU time (every thread) from exec to the first answer.
    pub cpu: Duration,
    pub peak_rss_kib: u64,
}

/// The medians of one variant at one share.
pub struct Cell {
    pub memory_mb: Option<u64>,
    pub binary: Binary,
    pub mode: AuthMode,
    pub row: Row,
    pub init: f64,
    pub first_call: f64,
    pub total: f64,
    pub total_p90: f64,
    pub warm: f64,
    pub cpu: f64,
    pub rss_mb: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn p90(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 - 1.0) * 0.9).round() as usize]
}

impl Cell {
    pub fn new(memory_mb: Option<u64>, binary: Binary, mode: AuthMode, row: Row, samples: &[Sample]) -> Cell {
        let of = |f: fn(&Sample) -> Duration| samples.iter().map(|s| ms(f(s))).collect::<Vec<_>>();
        Cell {
            memory_mb,
            binary,
            mode,
            row,
            init: median(of(|s| s.init)),
            first_call: median(of(|s| s.first_call)),
            total: median(of(|s| s.total)),
            total_p90: p90(of(|s| s.total)),
            warm: median(of(|s| s.warm)),
            cpu: median(of(|s| s.cpu)),
            rss_mb: median(samples.iter().map(|s| s.peak_rss_kib as f64 / 1024.0).collect()),
        }
    }
}

/// AWS Lambda, arm64, us-east-1 (aws.amazon.com/lambda/pricing, first pricing tier): per
/// GB-second of duration, and per request. The init phase is billed as duration too.
pub const PRICE_PER_GB_SECOND: f64 = 0.000_013_333_4;
pub const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;

/// Dollars per million calls that each bill `billed_ms` at `memory_mb`.
pub fn cost_per_million(memory_mb: u64, billed_ms: f64) -> f64 {
    PRICE_PER_MILLION_REQUESTS + 1e6 * (memory_mb as f64 / 1024.0) * (billed_ms.ceil() / 1000.0) * PRICE_PER_GB_SECOND
}

fn share_label(memory_mb: Option<u64>) -> String {
    memory_mb.map_or_else(|| "whole".to_owned(), |mb| format!("{mb} MB"))
}

pub fn render(cells: &[Cell], runs: usize, sizes: &[(Binary, u64); 3], note: Option<&str>) -> String {
    let find = |memory: Option<u64>, binary: Binary, mode: AuthMode| {
        cells.iter().find(|c| c.memory_mb == memory && c.binary == binary && c.mode == mode && c.row == Row::Default)
    };
    let extra = |memory: Option<u64>, mode: AuthMode| {
        cells.iter().filter(move |c| c.memory_mb == memory && c.mode == mode && c.row != Row::Default)
    };
    let size = |b: Binary| sizes.iter().find(|(x, _)| *x == b).map_or(0, |(_, s)| *s);
    let mut out = format!(
        "# Cold start: process start to the first answered tools/call search_companies, in Lambda mode,\n\
         # over HTTPS (the platform's own CA; api_key: the secret from Secrets Manager behind TLS),\n\
         # at Lambda's CPU share per memory size (cgroup cpu quota = MB/1769 of a core, period {} ms).\n\
         # {runs} processes per row after one unmeasured round, variants alternating; medians in ms.\n\
         # init: spawn to the first Runtime API poll; call: from there to the answer;\n\
         # warm: median of {} later invocations in the same process; CPU: CPU time of every\n\
         # thread from exec to the first answer (the cause of the wall time at a small share).\n\
         # Release profile; b2b-mcp built with {}.\n\
         # floor: examples/lambda_floor.rs, the same authenticated HTTPS POST with the same stack.\n\
         # binaries: b2b-mcp {} bytes, lambda_floor {} bytes, lambda_hello {} bytes\n",
        super::share::period_us() / 1000,
        super::WARM_CALLS,
        std::env::var("COLD_START_BUILT_AS").unwrap_or_else(|_| "the features it was built with".into()),
        size(Binary::Server),
        size(Binary::Floor),
        size(Binary::Hello),
    );
    if let Some(note) = note {
        out.push_str(&format!("# NOTE: {note}\n"));
    }
    out.push_str(&format!(
        "\n{:<8} {:<8} {:<8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>9}\n",
        "share", "mode", "binary", "init", "call", "total", "p90", "warm", "CPU", "RSS MB", "vs floor"
    ));
    let memories: Vec<Option<u64>> = {
        let mut m: Vec<_> = cells.iter().map(|c| c.memory_mb).collect();
        m.dedup();
        m
    };
    let mut worst: Option<(f64, String)> = None;
    for &memory in &memories {
        for mode in [AuthMode::Iam, AuthMode::ApiKey] {
            let floor = find(memory, Binary::Floor, mode);
            for binary in [Binary::Server, Binary::Floor] {
                let Some(c) = find(memory, binary, mode) else { continue };
                let ratio = floor.map(|f| c.total / f.total);
                if binary == Binary::Server
                    && let Some(r) = ratio
                    && worst.as_ref().is_none_or(|(w, _)| r > *w)
                {
                    worst = Some((r, format!("{} {}", share_label(memory), mode.name())));
                }
                let name = if binary == Binary::Server { "b2b-mcp" } else { "floor" };
                out.push_str(&row(memory, mode, name, c, ratio));
            }
            for c in extra(memory, mode) {
                let name = if c.row == Row::Otlp { "b2b+otlp" } else { "baseline" };
                out.push_str(&row(memory, mode, name, c, floor.map(|f| c.total / f.total)));
            }
        }
        if let Some(h) = find(memory, Binary::Hello, AuthMode::Iam) {
            out.push_str(&format!(
                "{:<8} {:<8} {:<8} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.2} {:>7.1} {:>7.1}\n",
                share_label(memory),
                "-",
                "hello",
                h.init,
                h.first_call,
                h.total,
                h.total_p90,
                h.warm,
                h.cpu,
                h.rss_mb
            ));
        }
    }
    if let Some((ratio, at)) = worst {
        let verdict = if ratio <= 1.3 { "within" } else { "OVER" };
        out.push_str(&format!("\nb2b-mcp / floor, worst row: x{ratio:.2} at {at} ({verdict} the x1.30 goal)\n"));
    }
    for mode in [AuthMode::Iam, AuthMode::ApiKey] {
        let ratios: Vec<f64> = memories
            .iter()
            .filter_map(|&m| Some(find(m, Binary::Server, mode)?.cpu / find(m, Binary::Floor, mode)?.cpu))
            .collect();
        if !ratios.is_empty() {
            out.push_str(&format!(
                "b2b-mcp / floor, CPU to the first answer, {}: median x{:.2} over the shares\n",
                mode.name(),
                median(ratios)
            ));
        }
    }
    out.push_str(&against_default(cells, &memories));
    out.push_str(&cost_table(cells, &memories));
    out
}

fn row(memory: Option<u64>, mode: AuthMode, name: &str, c: &Cell, ratio: Option<f64>) -> String {
    format!(
        "{:<8} {:<8} {:<8} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.2} {:>7.1} {:>7.1} {:>9}\n",
        share_label(memory),
        mode.name(),
        name,
        c.init,
        c.first_call,
        c.total,
        c.total_p90,
        c.warm,
        c.cpu,
        c.rss_mb,
        ratio.map_or_else(String::new, |r| format!("x{r:.2}")),
    )
}

/// The optional rows and `b2b-mcp` at the same share and mode: export on over off, and this
/// build over the baseline; total time, CPU to the first answer and the warm call, per share and
/// their median. Empty without optional rows.
fn against_default(cells: &[Cell], memories: &[Option<u64>]) -> String {
    let mut out = String::new();
    let rows = [
        (Row::Otlp, "b2b-mcp with OTLP export on / b2b-mcp", false),
        (Row::Baseline, "b2b-mcp / b2b-mcp baseline", true),
    ];
    for (row, name, inverse) in rows {
        let pairs: Vec<(&Cell, &Cell)> = cells
            .iter()
            .filter(|c| c.row == row)
            .filter_map(|c| {
                let ours = cells.iter().find(|d| {
                    d.row == Row::Default
                        && d.binary == Binary::Server
                        && d.mode == c.mode
                        && d.memory_mb == c.memory_mb
                })?;
                Some((c, ours))
            })
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let ratios = |f: fn(&Cell) -> f64| {
            let each: Vec<f64> = pairs.iter().map(|(c, d)| if inverse { f(d) / f(c) } else { f(c) / f(d) }).collect();
            let shown: Vec<String> = each.iter().map(|r| format!("x{r:.2}")).collect();
            format!("median x{:.2} ({})", median(each), shown.join(" "))
        };
        out.push_str(&format!(
            "{name}, {} (over the shares {}):\n  total {}\n  CPU to the first answer {}\n  warm call {}\n  RSS at the first answer {}\n",
            pairs[0].0.mode.name(),
            memories.iter().map(|m| share_label(*m)).collect::<Vec<_>>().join(", "),
            ratios(|c| c.total),
            ratios(|c| c.cpu),
            ratios(|c| c.warm),
            ratios(|c| c.rss_mb),
        ));
    }
    out
}

/// What the OTLP sink received for the `b2b+otlp` processes' `invocations` (the unmeasured
/// round's included): three spans are expected per invocation.
pub fn sink_line(got: &super::otlp_sink::Received, invocations: usize, url: &str) -> String {
    format!(
        "\n# OTLP sink ({url}): {} spans in {} exports ({} malformed) for {invocations} invocations of b2b+otlp:\n\
         # {:.2} spans per invocation (3 expected: request, tool, AppSync)\n",
        got.spans,
        got.exports,
        got.malformed,
        got.spans as f64 / invocations.max(1) as f64,
    )
}

/// Billed time and cost for b2b-mcp (iam mode) per memory size, from the medians above.
fn cost_table(cells: &[Cell], memories: &[Option<u64>]) -> String {
    let mut out = format!(
        "\n# Billed per call (b2b-mcp, iam mode; Lambda bills init as duration, rounded up to 1 ms)\n\
         # and cost per million calls at the arm64 price (${PRICE_PER_GB_SECOND}/GB-s, \
         ${PRICE_PER_MILLION_REQUESTS:.2}/M requests).\n\
         # The local platform answers in about a millisecond; a stage adds its AppSync time to\n\
         # every call, at every size alike.\n\n\
         {:<8} {:>10} {:>10} {:>14} {:>14}\n",
        "memory", "cold ms", "warm ms", "$/M cold", "$/M warm"
    );
    for &memory in memories {
        let Some(mb) = memory else { continue };
        let Some(c) = cells.iter().find(|c| {
            c.memory_mb == memory && c.binary == Binary::Server && c.mode == AuthMode::Iam && c.row == Row::Default
        }) else {
            continue;
        };
        out.push_str(&format!(
            "{:<8} {:>10.0} {:>10.0} {:>14.2} {:>14.2}\n",
            format!("{mb} MB"),
            c.total.ceil(),
            c.warm.ceil(),
            cost_per_million(mb, c.total),
            cost_per_million(mb, c.warm),
        ));
    }
    out
}
