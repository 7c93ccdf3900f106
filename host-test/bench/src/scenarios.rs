//! How each task of the schedule is measured, against a server process started
//! per session. A task that fails becomes a row saying why; the others go on.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context as _};
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::bench_site::{BenchSite, GIB, KIB, MIB};
use crate::clients;
use crate::labels::bytes_label;
use crate::measured_server::MeasuredServer;
use crate::peers::Peers;
use crate::progress::Progress;
use crate::request_log::LogEntry;
use crate::results::{median, Client, HostMemory, PeakLinear, Row};
use crate::schedule::{file_for, Schedule, ServerSpec, Task};
use host_test::process_memory::ProcessMemory;

/// Bound on one download at full speed (1 GiB in splice mode takes seconds).
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);
/// Bound on waiting for the server's log lines of finished requests.
const LOG_WAIT: Duration = Duration::from_secs(30);
/// Stalled clients connect in waves of this many.
const STALL_WAVE: usize = 50;
/// Time given to stalled connections to fill every buffer before RSS is read.
const STALL_SETTLE: Duration = Duration::from_millis(1500);
/// RSS samples taken while the connections are stalled (the largest counts).
const RSS_SAMPLES: u32 = 4;

/// What the machine allows: the most stalled connections one run holds
/// (each takes a socket here, and a socket and an open file in the server).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub stalled_connections: u32,
}

pub async fn run(
    schedule: &Schedule,
    site: &BenchSite,
    peers: &Peers,
    limits: Limits,
    progress: &mut Progress,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for session in &schedule.sessions {
        let launch = match session.server.launch(&site.dir(), peers) {
            Ok(launch) => launch,
            Err(why) => {
                // Not installed here: its rows say so, the bench goes on.
                for task in &session.tasks {
                    progress.begin(&format!("{}: {}", session.server.label(), task.describe()));
                    for mut row in empty_rows(&session.server, task) {
                        row.result = format!("not measured: {why}");
                        progress.note(&row.result);
                        rows.push(row);
                    }
                }
                continue;
            }
        };
        let server = MeasuredServer::spawn(&launch);
        for task in &session.tasks {
            progress.begin(&format!("{}: {}", session.server.label(), task.describe()));
            let measured = match &server {
                Ok(server) => run_task(server, &session.server, task, limits, progress).await,
                Err(error) => Err(anyhow::anyhow!("{error:#}")),
            };
            match measured {
                Ok(mut task_rows) => rows.append(&mut task_rows),
                Err(error) => {
                    let unsupported_reuse = session.server.reuse.is_some()
                        && format!("{error:#}").contains("unknown argument `--reuse`");
                    for mut row in empty_rows(&session.server, task) {
                        if unsupported_reuse {
                            row.result =
                                "not available: this host-test serve has no --reuse".into();
                        } else {
                            row.result = format!("error: {error:#}");
                            row.failed = true;
                        }
                        progress.note(&row.result);
                        rows.push(row);
                    }
                }
            }
        }
    }
    rows
}

/// The rows a task produces, without figures.
fn empty_rows(server: &ServerSpec, task: &Task) -> Vec<Row> {
    match task {
        Task::FullSpeed { size, .. } | Task::Capped { size } => {
            vec![Row::new(server, *size, Client::FullSpeed, 1)]
        }
        Task::Slow { sizes, .. } => sizes
            .iter()
            .map(|size| Row::new(server, *size, Client::Slow, 1))
            .collect(),
        Task::Rate {
            size, connections, ..
        } => vec![Row::new(server, *size, Client::RequestLoop, *connections)],
        Task::Stalled { size, connections } => {
            vec![Row::new(server, *size, Client::Stalled, *connections)]
        }
    }
}

async fn run_task(
    server: &MeasuredServer,
    spec: &ServerSpec,
    task: &Task,
    limits: Limits,
    progress: &Progress,
) -> anyhow::Result<Vec<Row>> {
    let mut rows = empty_rows(spec, task);
    match task {
        Task::FullSpeed { size, repetitions } => {
            full_speed(server, spec, *size, *repetitions, &mut rows[0], progress).await?
        }
        Task::Slow { sizes, limit } => slow(server, sizes, *limit, &mut rows).await?,
        Task::Rate {
            size,
            connections,
            duration,
        } => rate(server, spec, *size, *connections, *duration, &mut rows[0]).await?,
        Task::Stalled { size, connections } => {
            let held = (*connections).min(limits.stalled_connections);
            rows[0].connections = held;
            stalled(server, spec, *size, held, &mut rows[0], progress).await?;
            if held < *connections {
                rows[0].result = format!(
                    "{} (held {held} of {connections}: the open-files limit allows no more)",
                    rows[0].result
                );
            }
        }
        Task::Capped { size } => capped(server, spec, *size, &mut rows[0]).await?,
    }
    Ok(rows)
}

/// "finished x3, client-gone x1": how the server says the requests ended.
fn outcomes(entries: &[LogEntry]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for entry in entries {
        let outcome = if entry.status == 200 {
            entry.outcome.clone()
        } else {
            format!("{} {}", entry.status, entry.outcome)
        };
        match counts.iter_mut().find(|(o, _)| *o == outcome) {
            Some((_, n)) => *n += 1,
            None => counts.push((outcome, 1)),
        }
    }
    counts
        .iter()
        .map(|(outcome, n)| format!("{outcome} x{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn full_speed(
    server: &MeasuredServer,
    spec: &ServerSpec,
    size: u64,
    repetitions: u32,
    row: &mut Row,
    progress: &Progress,
) -> anyhow::Result<()> {
    let target = file_for(size, true).url_path();
    let from = server.log_len();
    let mut downloads = Vec::new();
    for i in 0..repetitions {
        let download = timeout(DOWNLOAD_TIMEOUT, clients::download(server.addr, &target))
            .await
            .with_context(|| format!("GET {target} took over {DOWNLOAD_TIMEOUT:?}"))?
            .with_context(|| format!("GET {target}"))?;
        ensure!(
            download.status == 200 && download.complete && download.bytes == size,
            "GET {target}: status {}, {} of {size} bytes",
            download.status,
            download.bytes
        );
        if size >= 64 * MIB {
            progress.note(&format!(
                "download {}/{repetitions}: {:.0} MB/s",
                i + 1,
                size as f64 / download.total.as_secs_f64() / 1e6
            ));
        }
        downloads.push(download);
    }
    let speeds: Vec<f64> = downloads
        .iter()
        .map(|d| d.bytes as f64 / d.total.as_secs_f64() / 1e6)
        .collect();
    row.throughput = median(&speeds);
    row.time_to_first_byte = median(
        &downloads
            .iter()
            .map(|d| d.time_to_first_byte)
            .collect::<Vec<_>>(),
    );
    row.result = if spec.mode.is_wasm() {
        let entries = server
            .wait_for_entries(from, repetitions as usize, LOG_WAIT, |e| e.target == target)
            .await;
        row.peak_linear = PeakLinear::of(&entries);
        outcomes(&entries)
    } else {
        format!("complete x{repetitions}")
    };
    Ok(())
}

async fn slow(
    server: &MeasuredServer,
    sizes: &[u64],
    limit: Duration,
    rows: &mut [Row],
) -> anyhow::Result<()> {
    let from = server.log_len();
    let mut downloads = JoinSet::new();
    for (index, &size) in sizes.iter().enumerate() {
        let target = file_for(size, false).url_path();
        let addr = server.addr;
        downloads.spawn(async move {
            let download = clients::slow_client(addr, &target, limit, DOWNLOAD_TIMEOUT).await;
            (index, target, download)
        });
    }
    let mut targets = vec![String::new(); sizes.len()];
    while let Some(joined) = downloads.join_next().await {
        let (index, target, download) = joined.context("a slow client panicked")?;
        let download = download?;
        let seconds = download.elapsed.as_secs_f64();
        rows[index].result = if download.complete {
            format!("whole file in {seconds:.1} s")
        } else {
            format!(
                "client left after {seconds:.1} s at {:.1} MB ({:.2} MB/s)",
                download.bytes as f64 / 1e6,
                download.bytes as f64 / seconds / 1e6
            )
        };
        targets[index] = target;
    }
    let entries = server
        .wait_for_entries(from, sizes.len(), LOG_WAIT, |_| true)
        .await;
    for (row, target) in rows.iter_mut().zip(&targets) {
        let mine: Vec<LogEntry> = entries
            .iter()
            .filter(|e| e.target == *target)
            .cloned()
            .collect();
        row.peak_linear = PeakLinear::of(&mine);
        row.result = format!("{}; server: {}", row.result, outcomes(&mine));
    }
    Ok(())
}

async fn rate(
    server: &MeasuredServer,
    spec: &ServerSpec,
    size: u64,
    connections: u32,
    duration: Duration,
    row: &mut Row,
) -> anyhow::Result<()> {
    let target = file_for(size, true).url_path();
    // One request first, so no connection pays for a cold start.
    timeout(DOWNLOAD_TIMEOUT, clients::download(server.addr, &target))
        .await
        .context("warm-up request timed out")??;
    let from = server.log_len();
    let RateCount {
        ok,
        failed,
        elapsed,
    } = request_rate(server.addr, &target, connections, duration).await?;
    row.requests_per_second = Some(ok as f64 / elapsed.as_secs_f64());
    row.result = format!(
        "{ok} requests in {:.1} s, {failed} failed",
        elapsed.as_secs_f64()
    );
    if spec.mode.is_wasm() {
        let entries = server
            .wait_for_entries(from, ok as usize, LOG_WAIT, |e| e.target == target)
            .await;
        row.peak_linear = PeakLinear::of(&entries);
    }
    Ok(())
}

/// What `connections` keep-alive loops of GETs answered in `duration`.
pub struct RateCount {
    pub ok: u64,
    pub failed: u64,
    pub elapsed: Duration,
}

impl RateCount {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// `connections` keep-alive loops of GETs of `target` for `duration`; an
/// error when none succeeded.
pub async fn request_rate(
    addr: std::net::SocketAddr,
    target: &str,
    connections: u32,
    duration: Duration,
) -> anyhow::Result<RateCount> {
    let started = Instant::now();
    let until = started + duration;
    let mut loops = JoinSet::new();
    for _ in 0..connections {
        let target = target.to_string();
        loops.spawn(async move { clients::request_loop(addr, &target, until).await });
    }
    let (mut ok, mut failed) = (0u64, 0u64);
    while let Some(count) = loops.join_next().await {
        let count = count.context("a request loop panicked")?;
        ok += count.ok;
        failed += count.failed;
    }
    ensure!(ok > 0, "no request succeeded ({failed} failed)");
    Ok(RateCount {
        ok,
        failed,
        elapsed: started.elapsed(),
    })
}

async fn stalled(
    server: &MeasuredServer,
    spec: &ServerSpec,
    size: u64,
    connections: u32,
    row: &mut Row,
    progress: &Progress,
) -> anyhow::Result<()> {
    let target = file_for(size, false).url_path();
    let addr = server.addr;

    // Warm-up: the paths a stalled request takes, once, before idle RSS.
    let small = file_for(KIB, true).url_path();
    for _ in 0..3 {
        timeout(DOWNLOAD_TIMEOUT, clients::download(addr, &small))
            .await
            .context("warm-up request timed out")??;
    }
    let warm_up = timeout(DOWNLOAD_TIMEOUT, clients::stall(addr, &target))
        .await
        .context("warm-up stall timed out")??;
    drop(warm_up);
    if spec.mode.is_wasm() {
        server.wait_for_entries(0, 4, LOG_WAIT, |_| true).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = server.memory()?;

    let from = server.log_len();
    let started = Instant::now();
    let mut held = Vec::with_capacity(connections as usize);
    let mut complete = 0u32;
    while held.len() < connections as usize {
        let wave = STALL_WAVE.min(connections as usize - held.len());
        let mut stalls = JoinSet::new();
        for _ in 0..wave {
            let target = target.clone();
            stalls.spawn(
                async move { timeout(DOWNLOAD_TIMEOUT, clients::stall(addr, &target)).await },
            );
        }
        while let Some(stall) = stalls.join_next().await {
            let stall = stall
                .context("a stalled client panicked")?
                .context("a stalled client could not get its first bytes")?
                .context("stalled client")?;
            ensure!(stall.status == 200, "GET {target}: status {}", stall.status);
            complete += u32::from(stall.complete);
            held.push(stall);
        }
        if connections >= 100 && held.len() % 250 == 0 {
            progress.note(&format!("{}/{connections} connections stalled", held.len()));
        }
    }
    tokio::time::sleep(STALL_SETTLE).await;
    let mut loaded = ProcessMemory::default();
    for i in 0..RSS_SAMPLES {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let sample = server.memory()?;
        if sample.rss >= loaded.rss {
            loaded = sample;
        }
    }
    let measured_after = started.elapsed();
    let ended_while_held = server.entries_since(from).len();
    let host_memory = HostMemory {
        idle,
        loaded,
        connections,
        measured_after,
    };
    progress.note(&format!(
        "RSS idle {} -> {} with {connections} stalled: {} per connection",
        kib(idle.rss as i64),
        kib(loaded.rss as i64),
        kib(host_memory.per_connection())
    ));
    row.host_memory = Some(host_memory);

    // The clients leave; each instance ends and logs its peak.
    drop(held);
    let mut result = format!("held {:.1} s", measured_after.as_secs_f64());
    if complete > 0 {
        result += &format!(", {complete} got the whole body before stalling");
    }
    if spec.mode.is_wasm() {
        let entries = server
            .wait_for_entries(from, connections as usize, LOG_WAIT, |e| e.target == target)
            .await;
        row.peak_linear = PeakLinear::of(&entries);
        if ended_while_held > 0 {
            result += &format!(", {ended_while_held} ended while held");
        }
        result += &format!("; then: {}", outcomes(&entries));
        if entries.len() < connections as usize {
            result += &format!(" ({} of {connections} logged)", entries.len());
        }
    }
    row.result = result;
    Ok(())
}

async fn capped(
    server: &MeasuredServer,
    spec: &ServerSpec,
    size: u64,
    row: &mut Row,
) -> anyhow::Result<()> {
    let Some(cap) = spec.max_memory else {
        bail!("a capped run needs --max-memory");
    };
    let target = file_for(size, false).url_path();
    let from = server.log_len();
    let download = timeout(DOWNLOAD_TIMEOUT, clients::download(server.addr, &target))
        .await
        .context("the capped download did not end")??;
    let entries = server
        .wait_for_entries(from, 1, LOG_WAIT, |e| e.target == target)
        .await;
    row.peak_linear = PeakLinear::of(&entries);
    let trapped = entries.iter().any(|e| e.outcome == "trapped");
    let peak = row.peak_linear.map_or(0, |p| p.max);
    row.result = if download.status == 500 && trapped {
        format!(
            "hit the cap: 500, trapped at {} (cap {})",
            bytes_label(peak),
            bytes_label(cap)
        )
    } else {
        format!(
            "did not hit the cap: status {}, {} bytes, {}",
            download.status,
            download.bytes,
            outcomes(&entries)
        )
    };
    Ok(())
}

/// "223 KiB" (rounded), for progress lines.
pub fn kib(bytes: i64) -> String {
    if bytes.unsigned_abs() >= 10 * GIB {
        format!("{:.1} GiB", bytes as f64 / GIB as f64)
    } else if bytes.unsigned_abs() >= 10 * MIB {
        format!("{:.0} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{:.0} KiB", bytes as f64 / KIB as f64)
    }
}
