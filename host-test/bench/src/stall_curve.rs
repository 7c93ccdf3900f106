//! The seed's story in one picture (`bench --stall-plot`): a server's RSS as
//! stalled clients pile up, from none to the most the machine allows (10,000
//! where the open-files limit permits), for the naive fixture, the old
//! default (a fresh WASI 0.2 instance per request), the README default, Go's
//! http.FileServer and nginx. Each stalled client reads 4 KiB of a 1 GiB file
//! (the naive fixture: of a 64 MiB file, since it holds the whole file, and it
//! stops once it holds 4 GiB) and then stops reading.

use std::time::Duration;

use anyhow::Context as _;
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::bench_site::{BenchSite, GIB, KIB, MIB};
use crate::clients;
use crate::measured_server::MeasuredServer;
use crate::peers::Peers;
use crate::progress::Progress;
use crate::schedule::{file_for, Mode, ServerSpec};

/// Stalled clients at which RSS is read.
const CHECKPOINTS: [u32; 10] = [0, 100, 250, 500, 1000, 2000, 4000, 6000, 8000, 10_000];
/// The naive fixture's file, and where its curve stops.
pub const NAIVE_FILE: u64 = 64 * MIB;
const NAIVE_STOP_RSS: u64 = 4 * GIB;
/// Clients connect in waves of this many; then the buffers fill.
const WAVE: usize = 100;
const SETTLE: Duration = Duration::from_millis(1500);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// One server's curve: (stalled clients, server RSS in bytes).
pub struct Curve {
    pub server: ServerSpec,
    pub points: Vec<(u32, u64)>,
    /// Why it ends before the last checkpoint, if it does.
    pub stopped: Option<String>,
}

/// The servers drawn, in legend order.
pub fn servers() -> Vec<ServerSpec> {
    vec![
        ServerSpec::plain(Mode::Naive),
        ServerSpec::plain(Mode::Chunked),
        ServerSpec::plain(Mode::Default),
        ServerSpec::plain(Mode::Go),
        ServerSpec::plain(Mode::Nginx),
    ]
}

pub async fn measure(
    site: &BenchSite,
    peers: &Peers,
    most: u32,
    progress: &mut Progress,
) -> Vec<Curve> {
    let mut curves = Vec::new();
    for server in servers() {
        progress.begin(&format!("stall curve: {}", server.label()));
        let curve = match curve(site, peers, &server, most, progress).await {
            Ok(curve) => curve,
            Err(error) => Curve {
                server: server.clone(),
                points: Vec::new(),
                stopped: Some(format!("{error:#}")),
            },
        };
        if let Some(why) = &curve.stopped {
            progress.note(why);
        }
        curves.push(curve);
    }
    curves
}

async fn curve(
    site: &BenchSite,
    peers: &Peers,
    spec: &ServerSpec,
    most: u32,
    progress: &Progress,
) -> anyhow::Result<Curve> {
    let naive = spec.mode == Mode::Naive;
    let spec = if naive {
        // Uncapped: its memory follows the file, which is the point.
        ServerSpec {
            max_memory: Some(0),
            ..spec.clone()
        }
    } else {
        spec.clone()
    };
    let launch = spec
        .launch(&site.dir(), peers)
        .map_err(|why| anyhow::anyhow!("not measured: {why}"))?;
    let server = MeasuredServer::spawn(&launch)?;
    let target = file_for(if naive { NAIVE_FILE } else { GIB }, false).url_path();
    let small = file_for(KIB, true).url_path();
    for _ in 0..3 {
        timeout(CONNECT_TIMEOUT, clients::download(server.addr, &small))
            .await
            .context("warm-up timed out")??;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut points = vec![(0, server.memory()?.rss)];
    let mut held = Vec::new();
    for checkpoint in CHECKPOINTS.into_iter().filter(|&c| c > 0 && c <= most) {
        while held.len() < checkpoint as usize {
            let wave = WAVE.min(checkpoint as usize - held.len());
            let mut stalls = JoinSet::new();
            for _ in 0..wave {
                let target = target.clone();
                let addr = server.addr;
                stalls.spawn(async move {
                    timeout(CONNECT_TIMEOUT, clients::stall(addr, &target)).await
                });
            }
            while let Some(stall) = stalls.join_next().await {
                let stall = stall
                    .context("a stalled client panicked")?
                    .context("a stalled client got no first bytes in time")?
                    .context("stalled client")?;
                anyhow::ensure!(stall.status == 200, "status {}", stall.status);
                held.push(stall);
            }
            if naive && server.memory()?.rss > NAIVE_STOP_RSS {
                break;
            }
        }
        tokio::time::sleep(SETTLE).await;
        let rss = server.memory()?.rss;
        points.push((held.len() as u32, rss));
        progress.note(&format!("{} stalled: RSS {} MiB", held.len(), rss / MIB));
        if naive && rss > NAIVE_STOP_RSS {
            return Ok(Curve {
                server: spec,
                points,
                stopped: Some(format!(
                    "naive: stopped at {} clients, {} MiB RSS (each holds the whole {} MiB file)",
                    held.len(),
                    rss / MIB,
                    NAIVE_FILE / MIB
                )),
            });
        }
    }
    let stopped = (most < CHECKPOINTS[CHECKPOINTS.len() - 1])
        .then(|| format!("stopped at {most} clients: the open-files limit allows no more"));
    Ok(Curve {
        server: spec,
        points,
        stopped,
    })
}
