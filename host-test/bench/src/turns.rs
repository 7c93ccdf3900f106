//! The README default's speed against nginx and Go, taken in turns.
//!
//! The sessions measure one server after another, minutes apart; on a shared
//! machine whose speed drifts by tens of percent over minutes, a ratio of two
//! such figures says as much about the drift as about the servers. Here the
//! three servers run at once and take turns: each round gives every server one
//! large download and one short request loop, in an order that rotates from
//! round to round. A ratio is the median of the rounds' ratios, each taken
//! seconds apart.

use anyhow::{ensure, Context as _};
use tokio::time::timeout;

use crate::bench_site::{BenchSite, KIB};
use crate::clients;
use crate::measured_server::MeasuredServer;
use crate::peers::Peers;
use crate::progress::Progress;
use crate::results::median;
use crate::scenarios::{request_rate, DOWNLOAD_TIMEOUT};
use crate::schedule::{file_for, Mode, ServerSpec, TurnsPlan, PEERS_AND_DEFAULT};

/// One of the two figures a round takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TurnFigure {
    /// MB/s of the round's download.
    Download,
    /// 1 KiB requests/s of the round's request loops.
    SmallRequests,
}

/// One server's figures, one per round.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub downloads: Vec<f64>,
    pub requests_per_second: Vec<f64>,
}

impl Series {
    fn of(&self, figure: TurnFigure) -> &[f64] {
        match figure {
            TurnFigure::Download => &self.downloads,
            TurnFigure::SmallRequests => &self.requests_per_second,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Turns {
    pub plan: TurnsPlan,
    /// Per server (`PEERS_AND_DEFAULT` order): its figures, or why it has none
    /// (not installed, or it failed).
    pub servers: Vec<(Mode, Result<Series, String>)>,
}

impl Turns {
    fn series(&self, mode: Mode) -> Option<&Series> {
        self.servers
            .iter()
            .find(|(m, _)| *m == mode)
            .and_then(|(_, series)| series.as_ref().ok())
    }

    /// Why `mode` has no figures, if it has none.
    pub fn missing(&self, mode: Mode) -> Option<&str> {
        self.servers
            .iter()
            .find(|(m, _)| *m == mode)
            .and_then(|(_, series)| series.as_ref().err())
            .map(String::as_str)
    }

    pub fn median(&self, mode: Mode, figure: TurnFigure) -> Option<f64> {
        median(self.series(mode)?.of(figure))
    }

    /// `mode`'s figure over `other`'s: the median of the rounds' ratios.
    pub fn ratio(&self, mode: Mode, other: Mode, figure: TurnFigure) -> Option<f64> {
        let ours = self.series(mode)?.of(figure);
        let theirs = self.series(other)?.of(figure);
        let ratios: Vec<f64> = ours
            .iter()
            .zip(theirs)
            .filter(|(_, theirs)| **theirs > 0.0)
            .map(|(ours, theirs)| ours / theirs)
            .collect();
        median(&ratios)
    }

    /// Round `round`'s figure.
    pub fn figure(&self, mode: Mode, figure: TurnFigure, round: usize) -> Option<f64> {
        self.series(mode)?.of(figure).get(round).copied()
    }

    /// The smallest and largest of the rounds' figures.
    pub fn range(&self, mode: Mode, figure: TurnFigure) -> Option<(f64, f64)> {
        let values = self.series(mode)?.of(figure);
        let low = values.iter().copied().reduce(f64::min)?;
        let high = values.iter().copied().reduce(f64::max)?;
        Some((low, high))
    }
}

/// Starts the default and the installed peers, then runs the rounds.
pub async fn measure(
    site: &BenchSite,
    peers: &Peers,
    plan: &TurnsPlan,
    progress: &mut Progress,
) -> Turns {
    progress.begin(&plan.describe());
    let mut running = Vec::new();
    let mut servers = Vec::new();
    for mode in PEERS_AND_DEFAULT {
        let started = ServerSpec::plain(mode)
            .launch(&site.dir(), peers)
            .map_err(|why| format!("not measured: {why}"))
            .and_then(|launch| MeasuredServer::spawn(&launch).map_err(|e| format!("error: {e:#}")));
        match started {
            Ok(server) => running.push((mode, server, Series::default())),
            Err(why) => servers.push((mode, Err(why))),
        }
    }
    let mut failed: Vec<(Mode, String)> = Vec::new();
    // One request each first, so that no round pays for a cold start.
    let small = file_for(KIB, true).url_path();
    for (mode, server, _) in &running {
        let warm_up = timeout(DOWNLOAD_TIMEOUT, clients::download(server.addr, &small)).await;
        if !matches!(warm_up, Ok(Ok(ref d)) if d.status == 200) {
            failed.push((*mode, "error: the warm-up request failed".into()));
        }
    }
    for round in 0..plan.rounds as usize {
        // Rotate who goes first, so that no server always follows the same one.
        let count = running.len().max(1);
        for turn in 0..running.len() {
            let (mode, server, series) = &mut running[(round + turn) % count];
            if failed.iter().any(|(m, _)| m == mode) {
                continue;
            }
            match one_turn(server, plan).await {
                Ok((download, rate)) => {
                    series.downloads.push(download);
                    series.requests_per_second.push(rate);
                }
                Err(error) => failed.push((*mode, format!("error: {error:#}"))),
            }
        }
        let line: Vec<String> = running
            .iter()
            .filter_map(|(mode, _, series)| {
                Some(format!(
                    "{} {:.0} MB/s {:.0}/s",
                    mode.label(),
                    series.downloads.get(round)?,
                    series.requests_per_second.get(round)?
                ))
            })
            .collect();
        progress.note(&format!("round {}: {}", round + 1, line.join(", ")));
    }
    for (mode, _, series) in running {
        let result = match failed.iter().find(|(m, _)| *m == mode) {
            Some((_, why)) => Err(why.clone()),
            None => Ok(series),
        };
        servers.push((mode, result));
    }
    servers.sort_by_key(|(mode, _)| PEERS_AND_DEFAULT.iter().position(|m| m == mode));
    Turns {
        plan: plan.clone(),
        servers,
    }
}

/// One server's turn: the download's MB/s, then the request loops' rate.
async fn one_turn(server: &MeasuredServer, plan: &TurnsPlan) -> anyhow::Result<(f64, f64)> {
    let target = file_for(plan.download_size, true).url_path();
    let download = timeout(DOWNLOAD_TIMEOUT, clients::download(server.addr, &target))
        .await
        .with_context(|| format!("GET {target} took over {DOWNLOAD_TIMEOUT:?}"))?
        .with_context(|| format!("GET {target}"))?;
    ensure!(
        download.status == 200 && download.complete && download.bytes == plan.download_size,
        "GET {target}: status {}, {} of {} bytes",
        download.status,
        download.bytes,
        plan.download_size
    );
    let speed = download.bytes as f64 / download.total.as_secs_f64() / 1e6;
    let small = file_for(KIB, true).url_path();
    let rate = request_rate(server.addr, &small, plan.connections, plan.rate_duration)
        .await
        .with_context(|| format!("1 KiB request loops on {small}"))?;
    Ok((speed, rate.per_second()))
}
