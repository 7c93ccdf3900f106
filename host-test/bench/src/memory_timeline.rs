//! The measurement behind `--plot`: linear memory over time while the same
//! slow download runs, for the naive fixture, chunked and splice (each on
//! p2 and p3).
//!
//! The ResourceLimiter reports an instance's peak only when the instance
//! ends, so the same ~1 MiB/s download is started several times at once, one
//! instance each, and each client leaves at a different moment (right after
//! the head, after 0.25 s, 0.5 s, ... and one reads to the end). Each request
//! is told apart by its query string (`?cut=N`), which both components
//! ignore. Linear memory never shrinks, so the peak an instance reports when
//! its client leaves at time t is its size at t (plus whatever it grew while
//! noticing the client was gone, which is nothing in these guests: they stop
//! at the next write). A point is therefore one measured instance, and the
//! line between two points is not measured.

use std::time::Duration;

use anyhow::Context as _;
use host_test::Build;
use tokio::task::JoinSet;

use crate::bench_site::BenchSite;
use crate::clients;
use crate::measured_server::{Launch, MeasuredServer};
use crate::schedule::{file_for, Mode, ServerSpec, TimelineSchedule};

#[derive(Clone, Debug)]
pub struct Point {
    /// From the connect to the moment the client left (or read the last byte).
    pub seconds: f64,
    pub peak_linear: u64,
    pub bytes: u64,
    pub complete: bool,
}

#[derive(Clone, Debug)]
pub struct Series {
    pub server: ServerSpec,
    pub points: Vec<Point>,
}

#[derive(Clone, Debug)]
pub struct Timeline {
    pub size: u64,
    /// The client's pace, bytes/s.
    pub rate: u64,
    pub series: Vec<Series>,
}

/// The servers drawn: the naive fixture, then chunked and splice on each build.
pub fn servers() -> Vec<ServerSpec> {
    let mut servers = vec![ServerSpec::plain(Mode::Naive)];
    for mode in [Mode::Chunked, Mode::Splice] {
        servers.extend(Build::ALL.map(|build| ServerSpec::plain(mode).on(build)));
    }
    servers
}

pub async fn measure(site: &BenchSite, timeline: &TimelineSchedule) -> anyhow::Result<Timeline> {
    // All servers at once: the slow clients barely use the CPU.
    let specs = servers();
    let mut servers = Vec::new();
    for spec in &specs {
        servers.push(MeasuredServer::spawn(&Launch::this_binary(
            spec.args(&site.dir()),
        )?)?);
    }
    let target = file_for(timeline.size, true).url_path();
    let mut limits: Vec<Duration> = timeline.cuts.clone();
    limits.push(timeline.whole_limit);

    let mut downloads = JoinSet::new();
    for (server_index, server) in servers.iter().enumerate() {
        for (cut, limit) in limits.iter().enumerate() {
            let (addr, limit) = (server.addr, *limit);
            let target = format!("{target}?cut={cut}");
            downloads.spawn(async move {
                let download =
                    clients::slow_client(addr, &target, limit, Duration::from_secs(30)).await;
                (server_index, target, download)
            });
        }
    }
    let mut finished = Vec::new();
    while let Some(joined) = downloads.join_next().await {
        let (server_index, target, download) = joined.context("a slow client panicked")?;
        let download = download?;
        finished.push((server_index, target, download));
    }

    let mut series: Vec<Series> = specs
        .iter()
        .map(|spec| Series {
            server: spec.clone(),
            points: Vec::new(),
        })
        .collect();
    for (server_index, server) in servers.iter().enumerate() {
        let entries = server
            .wait_for_entries(0, limits.len(), Duration::from_secs(30), |_| true)
            .await;
        for (_, target, download) in finished.iter().filter(|(i, _, _)| *i == server_index) {
            let peak = entries
                .iter()
                .find(|e| e.target == *target)
                .and_then(|e| e.peak_memory)
                .with_context(|| {
                    format!(
                        "{} logged no peak for {target}",
                        specs[server_index].label()
                    )
                })?;
            series[server_index].points.push(Point {
                seconds: download.elapsed.as_secs_f64(),
                peak_linear: peak,
                bytes: download.bytes,
                complete: download.complete,
            });
        }
        series[server_index]
            .points
            .sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    }
    Ok(Timeline {
        size: timeline.size,
        rate: clients::SLOW_RATE,
        series,
    })
}
