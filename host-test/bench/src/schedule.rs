//! What the bench runs: which servers, and which tasks each one serves. The
//! full run measures every figure that docs/benchmarks.md reports and every
//! target `bench_report` judges; `--quick` a subset that runs in under a
//! minute. Every fileserver server (chunked, splice, their variants)
//! runs on both builds, p2 and p3, with the same tasks; the naive fixture is
//! p2 only.
//!
//! Throughput and requests/s share one server process per mode (they read no
//! RSS); every stalled-connection task gets a fresh server process, so that its
//! idle RSS is measured just before the connections arrive.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use host_test::Build;

use crate::bench_site::{size_label, Content, SiteFile, GIB, KIB, MIB};
use crate::measured_server::Launch;
use crate::peers::Peers;
use crate::site_rules;

/// The guest's `STALL_TIMEOUT` in every run: far beyond any measurement, so a
/// stalled client's host memory is read while it is still being held.
pub const STALL_TIMEOUT: &str = "600s";
/// The default server's `--write-timeout` in the bench (see `args`).
pub const DEFAULT_MODE_WRITE_TIMEOUT: &str = "600s";
/// `--reuse` for the reused-instance request rate.
pub const REUSE_COUNT: u32 = 1000;
/// The guest `CHUNK_SIZE` of the tuned variant (the full run measures both).
pub const TUNED_CHUNK_SIZE: u32 = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// The hyper + tokio baseline (`native-serve`), its file work through
    /// `tokio::fs`.
    Native,
    /// The same server with its file work inline with `std::fs`
    /// (`native-serve --file-io inline`): hyper on tokio at its best.
    NativeInline,
    /// `host-test serve --dir DIR`: the README's command, every default.
    Default,
    /// nginx with sendfile (a peer, `peers.rs`).
    Nginx,
    /// Go's `http.FileServer` (a peer).
    Go,
    /// The fileserver, `TRANSFER=chunked`.
    Chunked,
    /// The fileserver, `TRANSFER=splice`.
    Splice,
    /// The naive fixture: reads the whole file, then writes it.
    Naive,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Native => "native",
            Mode::NativeInline => "native inline",
            Mode::Default => "default",
            Mode::Nginx => "nginx",
            Mode::Go => "Go",
            Mode::Chunked => "chunked",
            Mode::Splice => "splice",
            Mode::Naive => "naive",
        }
    }

    /// Whether the component serves (and logs each request).
    pub fn is_wasm(self) -> bool {
        matches!(
            self,
            Mode::Default | Mode::Chunked | Mode::Splice | Mode::Naive
        )
    }

    /// Whether the mode exists in the WASI 0.3 build too (the naive fixture
    /// is a 0.2 component only).
    pub fn has_p3(self) -> bool {
        matches!(self, Mode::Chunked | Mode::Splice)
    }
}

/// One server process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSpec {
    pub mode: Mode,
    /// The fileserver build; P2 for the native baseline and the naive fixture,
    /// where it means nothing (see `build_label`).
    pub build: Build,
    /// `host-test serve --reuse N`.
    pub reuse: Option<u32>,
    /// `host-test serve --max-memory BYTES`.
    pub max_memory: Option<u64>,
    /// The guest's `CHUNK_SIZE` (default: the component's, 64 KiB).
    pub chunk_size: Option<u32>,
    /// Which rule files the server reads (`site_rules.rs`).
    pub site_rules: SiteRules,
}

/// Whether a server is pointed at the bench's rule files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SiteRules {
    /// None at the site root, and none pointed at.
    #[default]
    None,
    /// `HEADERS_FILE` and `REDIRECTS_FILE` set to the realistic pair.
    Realistic,
}

impl ServerSpec {
    pub fn plain(mode: Mode) -> Self {
        Self {
            mode,
            build: Build::P2,
            reuse: None,
            max_memory: None,
            chunk_size: None,
            site_rules: SiteRules::None,
        }
    }

    pub fn with_chunk_size(mode: Mode, bytes: u32) -> Self {
        Self {
            chunk_size: Some(bytes),
            ..Self::plain(mode)
        }
    }

    /// The same server on `build` (the fileserver modes only).
    pub fn on(self, build: Build) -> Self {
        debug_assert!(build == Build::P2 || self.mode.has_p3());
        Self { build, ..self }
    }

    /// "p2" or "p3" for the fileserver modes; `None` for the baselines.
    pub fn build_label(&self) -> Option<&'static str> {
        match self.mode {
            Mode::Default => Some(Build::P3.label()),
            Mode::Chunked | Mode::Splice | Mode::Naive => Some(self.build.label()),
            Mode::Native | Mode::NativeInline | Mode::Nginx | Mode::Go => None,
        }
    }

    /// How to start this server on a free port, or why it cannot run here.
    pub fn launch(&self, dir: &Path, peers: &Peers) -> Result<Launch, String> {
        match self.mode {
            Mode::Nginx => peers.nginx(dir),
            Mode::Go => peers.go(dir),
            _ => Launch::this_binary(self.args(dir)).map_err(|e| format!("{e:#}")),
        }
    }

    /// The arguments of this binary that start the server on a free port.
    pub fn args(&self, dir: &Path) -> Vec<String> {
        let dir = dir.display().to_string();
        let mut args: Vec<String> = match self.mode {
            Mode::Native => vec!["native-serve".into(), "--dir".into(), dir],
            Mode::NativeInline => vec![
                "native-serve".into(),
                "--dir".into(),
                dir,
                "--file-io".into(),
                "inline".into(),
            ],
            _ => vec!["serve".into(), "--dir".into(), dir],
        };
        args.extend(["--addr".into(), "127.0.0.1:0".into()]);
        if self.site_rules == SiteRules::Realistic {
            args.extend([
                "--env".into(),
                format!("HEADERS_FILE={}", site_rules::HEADERS_FILE),
            ]);
            args.extend([
                "--env".into(),
                format!("REDIRECTS_FILE={}", site_rules::REDIRECTS_FILE),
            ]);
        }
        let component = match (self.mode, self.build) {
            (Mode::Native | Mode::NativeInline | Mode::Nginx | Mode::Go, _) => return args,
            // Every default, but for the write timeout: the bench holds
            // stalled clients for longer than its 30 s while it measures.
            (Mode::Default, _) => {
                args.extend(["--write-timeout".into(), DEFAULT_MODE_WRITE_TIMEOUT.into()]);
                return args;
            }
            (Mode::Naive, _) => host_test::NAIVE_COMPONENT,
            (Mode::Chunked | Mode::Splice, build) => build.component(),
        };
        args.extend(["--component".into(), component.into()]);
        match self.mode {
            Mode::Chunked => args.extend(["--env".into(), "TRANSFER=chunked".into()]),
            Mode::Splice => args.extend(["--env".into(), "TRANSFER=splice".into()]),
            _ => {}
        }
        // These servers are measured as configured here, not with `serve`'s
        // defaults: one thread, one request at a time per instance, a fresh
        // instance per request unless `reuse`, the guest's stall timeout.
        args.extend(["--threads".into(), "1".into()]);
        args.extend(["--write-timeout".into(), "0".into()]);
        args.extend(["--reuse".into(), self.reuse.unwrap_or(1).to_string()]);
        if self.build == Build::P3 && self.mode.has_p3() {
            args.extend(["--concurrent-reuse".into(), "1".into()]);
        }
        args.extend(["--env".into(), format!("STALL_TIMEOUT={STALL_TIMEOUT}")]);
        if let Some(bytes) = self.chunk_size {
            args.extend(["--env".into(), format!("CHUNK_SIZE={bytes}")]);
        }
        if let Some(bytes) = self.max_memory {
            args.extend(["--max-memory".into(), bytes.to_string()]);
        }
        args
    }

    /// What sets this server apart from the plain one of its mode.
    pub fn variant(&self) -> Option<String> {
        let rules = site_rules::HEADER_BLOCKS + site_rules::REDIRECTS;
        let parts: Vec<String> = [
            self.chunk_size.map(|bytes| format!("CHUNK_SIZE={bytes}")),
            self.reuse
                .map(|count| format!("reused instances (--reuse {count})")),
            self.max_memory
                .map(|bytes| format!("linear-memory cap {}", size_label(bytes))),
            (self.site_rules == SiteRules::Realistic).then(|| format!("{rules} site rules")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// "chunked, CHUNK_SIZE=16384": the mode and variant, without the build
    /// (the table has a column for it).
    pub fn mode_label(&self) -> String {
        match self.variant() {
            Some(variant) => format!("{}, {variant}", self.mode.label()),
            None => self.mode.label().to_string(),
        }
    }

    /// "chunked p3, CHUNK_SIZE=16384": what progress lines and `--only` see.
    /// The naive fixture, p2 only, keeps its bare name.
    pub fn label(&self) -> String {
        let name = match self.mode.has_p3() {
            true => format!("{} {}", self.mode.label(), self.build.label()),
            false => self.mode.label().to_string(),
        };
        match self.variant() {
            Some(variant) => format!("{name}, {variant}"),
            None => name,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// Sequential downloads of a real file, each on a new connection, read as
    /// fast as they come: throughput, time to first byte, peak linear memory.
    FullSpeed { size: u64, repetitions: u32 },
    /// One slow client (`clients::SLOW_RATE`) per size, all at once, each leaving after
    /// `limit` (or at the end of its file): peak linear memory.
    Slow { sizes: Vec<u64>, limit: Duration },
    /// `connections` keep-alive loops of GETs for `duration`: requests/s.
    Rate {
        size: u64,
        connections: u32,
        duration: Duration,
    },
    /// `connections` stalled clients held at once: host memory per connection
    /// (server RSS minus its idle RSS), then peak linear memory once they close.
    Stalled { size: u64, connections: u32 },
    /// One download that the server's linear-memory cap must stop.
    Capped { size: u64 },
}

impl Task {
    pub fn describe(&self) -> String {
        match self {
            Task::FullSpeed { size, repetitions } => {
                format!("{} at full speed x{repetitions}", size_label(*size))
            }
            Task::Slow { sizes, limit } => format!(
                "slow clients (~1 MiB/s, up to {limit:?}) on {}",
                sizes
                    .iter()
                    .map(|s| size_label(*s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Task::Rate {
                size,
                connections,
                duration,
            } => format!(
                "{} requests/s: {connections} keep-alive connections for {duration:?}",
                size_label(*size)
            ),
            Task::Stalled { size, connections } => {
                format!(
                    "{connections} stalled connection(s) on {}",
                    size_label(*size)
                )
            }
            Task::Capped { size } => format!("{} under the linear-memory cap", size_label(*size)),
        }
    }
}

/// A server process and the tasks it serves, in order.
#[derive(Clone, Debug)]
pub struct Session {
    pub server: ServerSpec,
    pub tasks: Vec<Task>,
}

/// What `--plot` measures: one slow download of `size` per mode, repeated
/// with the client leaving at each of `cuts` (and once at the end).
#[derive(Clone, Debug)]
pub struct TimelineSchedule {
    pub size: u64,
    pub cuts: Vec<Duration>,
    /// Bound on the download that runs to the end.
    pub whole_limit: Duration,
}

/// What the README default's rounds against the peers measure, taken in
/// turns (`turns.rs`).
#[derive(Clone, Debug)]
pub struct TurnsPlan {
    pub rounds: u32,
    /// The file each round downloads once per server, on a new connection.
    pub download_size: u64,
    /// Keep-alive loops on the 1 KiB file, per round and server.
    pub connections: u32,
    pub rate_duration: Duration,
}

impl TurnsPlan {
    /// The progress line, also what `--only` matches.
    pub fn describe(&self) -> String {
        format!(
            "in turns: default, nginx, Go: {} rounds of a {} download and {} 1 KiB request loops for {:?}",
            self.rounds,
            size_label(self.download_size),
            self.connections,
            self.rate_duration
        )
    }
}

#[derive(Clone, Debug)]
pub struct Schedule {
    pub quick: bool,
    pub sessions: Vec<Session>,
    pub timeline: TimelineSchedule,
    /// The README default's speed against the peers, taken in turns.
    pub turns: Option<TurnsPlan>,
}

/// The file a task reads: real bytes for throughput and request rates (and
/// for every size below 1 GiB), a sparse file for memory runs on 1 GiB.
pub fn file_for(size: u64, for_throughput: bool) -> SiteFile {
    let content = if for_throughput || size < GIB {
        Content::Real
    } else {
        Content::Sparse
    };
    SiteFile { size, content }
}

pub fn schedule(quick: bool) -> Schedule {
    if quick {
        quick_schedule()
    } else {
        full_schedule()
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// The fileserver servers in table order: each mode on p2, then on p3.
fn fileserver(modes: &[Mode], spec: impl Fn(Mode) -> ServerSpec) -> Vec<ServerSpec> {
    modes
        .iter()
        .flat_map(|&mode| Build::ALL.map(|build| spec(mode).on(build)))
        .collect()
}

const MODES: [Mode; 2] = [Mode::Chunked, Mode::Splice];

/// The native baselines, both kinds of file work.
const NATIVE_MODES: [Mode; 2] = [Mode::Native, Mode::NativeInline];

/// The README's server and the peers it is compared with, in table order.
pub const PEERS_AND_DEFAULT: [Mode; 3] = [Mode::Default, Mode::Nginx, Mode::Go];

/// The largest stalled-client run; `scenarios` holds fewer when the
/// open-files limit cannot fit them (each takes a socket here, and a socket
/// and an open file in the server).
pub const MOST_STALLED: u32 = 10_000;

fn full_speed(sizes: &[(u64, u32)]) -> Vec<Task> {
    sizes
        .iter()
        .map(|&(size, repetitions)| Task::FullSpeed { size, repetitions })
        .collect()
}

fn reused(mode: Mode) -> ServerSpec {
    ServerSpec {
        reuse: Some(REUSE_COUNT),
        ..ServerSpec::plain(mode)
    }
}

/// A session per server: downloads of `sizes` at full speed, then `then`.
fn speed_sessions(
    servers: impl IntoIterator<Item = ServerSpec>,
    sizes: &[(u64, u32)],
    then: &[Task],
) -> Vec<Session> {
    let tasks = [full_speed(sizes), then.to_vec()].concat();
    servers
        .into_iter()
        .map(|server| Session {
            server,
            tasks: tasks.clone(),
        })
        .collect()
}

/// The servers measured for their request rate alone: the chunked server
/// with reused instances on each build, and the README's server with site
/// rules.
fn rate_only(rate: &Task) -> impl Iterator<Item = Session> + '_ {
    fileserver(&[Mode::Chunked], reused)
        .into_iter()
        .chain([with_site_rules(Mode::Default)])
        .map(|server| Session {
            server,
            tasks: vec![rate.clone()],
        })
}

/// The README's server pointed at the realistic rule files.
pub fn with_site_rules(mode: Mode) -> ServerSpec {
    ServerSpec {
        site_rules: SiteRules::Realistic,
        ..ServerSpec::plain(mode)
    }
}

fn full_schedule() -> Schedule {
    let all_sizes = [
        (KIB, 30),
        (MIB, 10),
        (64 * MIB, 3),
        (512 * MIB, 3),
        (GIB, 3),
    ];
    let peer_sizes = [(KIB, 30), (MIB, 10), (64 * MIB, 3), (512 * MIB, 3)];
    let naive_sizes = [(KIB, 30), (MIB, 10), (64 * MIB, 3)];
    let rate = Task::Rate {
        size: KIB,
        connections: 32,
        duration: secs(3.0),
    };
    let slow = |sizes: &[u64]| Task::Slow {
        sizes: sizes.to_vec(),
        limit: secs(3.0),
    };
    let stalled = |size, connections| Task::Stalled { size, connections };

    // The README's command and the real peers, side by side: 512 MiB
    // downloads, 1 KiB request rate, stalled clients at 1,000 and 10,000.
    let mut sessions = Vec::new();
    for mode in PEERS_AND_DEFAULT {
        let mut tasks = full_speed(&peer_sizes);
        if mode == Mode::Default {
            tasks.push(slow(&[KIB, MIB, 64 * MIB, GIB]));
        }
        tasks.push(rate.clone());
        sessions.push(Session {
            server: ServerSpec::plain(mode),
            tasks,
        });
    }
    let natives = NATIVE_MODES.map(ServerSpec::plain);
    let just_rate = std::slice::from_ref(&rate);
    sessions.extend(speed_sessions(natives, &all_sizes, just_rate));
    let slow_then_rate = [slow(&[KIB, MIB, 64 * MIB, GIB]), rate.clone()];
    let fileservers = fileserver(&MODES, ServerSpec::plain);
    sessions.extend(speed_sessions(fileservers, &all_sizes, &slow_then_rate));
    sessions.extend(rate_only(&rate));
    sessions.push(Session {
        server: ServerSpec::plain(Mode::Naive),
        tasks: [full_speed(&naive_sizes), vec![slow(&[KIB, MIB, 64 * MIB])]].concat(),
    });
    // The memory/speed trade-off: smaller writes, smaller buffers everywhere.
    let tuned = |mode| ServerSpec::with_chunk_size(mode, TUNED_CHUNK_SIZE);
    for server in fileserver(&MODES, tuned) {
        sessions.push(Session {
            server,
            tasks: full_speed(&[(GIB, 3)]),
        });
    }
    let fileserver_runs = vec![(64 * MIB, 1), (GIB, 1), (GIB, 100), (GIB, 1000)];
    let mut stalled_runs: Vec<(ServerSpec, Vec<(u64, u32)>)> = PEERS_AND_DEFAULT
        .into_iter()
        .map(|mode| {
            (
                ServerSpec::plain(mode),
                vec![(GIB, 1000), (GIB, MOST_STALLED)],
            )
        })
        .collect();
    stalled_runs.push((
        ServerSpec::plain(Mode::Native),
        vec![(GIB, 1), (GIB, 100), (GIB, 1000)],
    ));
    for server in fileserver(&MODES, ServerSpec::plain) {
        stalled_runs.push((server, fileserver_runs.clone()));
    }
    // Smaller files fit in the socket buffers: the server would finish.
    stalled_runs.push((
        ServerSpec::plain(Mode::Naive),
        vec![(64 * MIB, 1), (64 * MIB, 10)],
    ));
    for server in fileserver(&MODES, tuned) {
        stalled_runs.push((server, vec![(GIB, 1000)]));
    }
    for (server, runs) in stalled_runs {
        for (size, connections) in runs {
            sessions.push(Session {
                server: server.clone(),
                tasks: vec![stalled(size, connections)],
            });
        }
    }
    sessions.push(Session {
        server: ServerSpec {
            max_memory: Some(128 * MIB),
            ..ServerSpec::plain(Mode::Naive)
        },
        tasks: vec![Task::Capped { size: GIB }],
    });
    Schedule {
        turns: Some(TurnsPlan {
            rounds: 5,
            download_size: 512 * MIB,
            connections: 32,
            rate_duration: secs(2.0),
        }),
        quick: false,
        sessions,
        timeline: TimelineSchedule {
            size: 16 * MIB,
            cuts: [
                0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0,
            ]
            .into_iter()
            .map(secs)
            .collect(),
            whole_limit: secs(40.0),
        },
    }
}

fn quick_schedule() -> Schedule {
    let sizes = [(KIB, 10), (MIB, 5), (64 * MIB, 2)];
    let rate = Task::Rate {
        size: KIB,
        connections: 16,
        duration: secs(1.0),
    };
    let slow = Task::Slow {
        sizes: vec![MIB, 64 * MIB, GIB],
        limit: secs(1.5),
    };
    let peers_and_natives = PEERS_AND_DEFAULT
        .into_iter()
        .chain(NATIVE_MODES)
        .map(ServerSpec::plain);
    let just_rate = std::slice::from_ref(&rate);
    let mut sessions = speed_sessions(peers_and_natives, &sizes, just_rate);
    let fileservers = fileserver(&MODES, ServerSpec::plain);
    sessions.extend(speed_sessions(fileservers, &sizes, &[slow, rate.clone()]));
    sessions.extend(rate_only(&rate));
    sessions.push(Session {
        server: ServerSpec::plain(Mode::Naive),
        tasks: full_speed(&[(KIB, 5), (MIB, 3), (64 * MIB, 1)]),
    });
    let stalled_runs = PEERS_AND_DEFAULT
        .into_iter()
        .chain([Mode::Native])
        .map(ServerSpec::plain)
        .map(|server| (server, GIB, 100))
        .chain(
            fileserver(&MODES, ServerSpec::plain)
                .into_iter()
                .map(|server| (server, GIB, 100)),
        )
        .chain([(ServerSpec::plain(Mode::Naive), 64 * MIB, 2)]);
    for (server, size, connections) in stalled_runs {
        sessions.push(Session {
            server,
            tasks: vec![Task::Stalled { size, connections }],
        });
    }
    sessions.push(Session {
        server: ServerSpec {
            max_memory: Some(16 * MIB),
            ..ServerSpec::plain(Mode::Naive)
        },
        tasks: vec![Task::Capped { size: 64 * MIB }],
    });
    Schedule {
        turns: Some(TurnsPlan {
            rounds: 2,
            download_size: 64 * MIB,
            connections: 16,
            rate_duration: secs(0.5),
        }),
        quick: true,
        sessions,
        timeline: TimelineSchedule {
            size: 4 * MIB,
            cuts: [0.0, 0.5, 1.0, 2.0].into_iter().map(secs).collect(),
            whole_limit: secs(20.0),
        },
    }
}

impl Schedule {
    /// Keeps only the tasks whose `server: task` line contains `text`.
    pub fn only(mut self, text: &str) -> Self {
        for session in &mut self.sessions {
            let server = session.server.label();
            session
                .tasks
                .retain(|task| format!("{server}: {}", task.describe()).contains(text));
        }
        self.sessions.retain(|session| !session.tasks.is_empty());
        if self
            .turns
            .as_ref()
            .is_some_and(|turns| !turns.describe().contains(text))
        {
            self.turns = None;
        }
        self
    }

    pub fn task_count(&self) -> usize {
        self.sessions.iter().map(|s| s.tasks.len()).sum::<usize>()
            + usize::from(self.turns.is_some())
    }

    /// The most connections any task holds open at once.
    pub fn max_connections(&self) -> u32 {
        self.sessions
            .iter()
            .flat_map(|s| &s.tasks)
            .map(|task| match task {
                Task::Stalled { connections, .. } | Task::Rate { connections, .. } => *connections,
                Task::Slow { sizes, .. } => sizes.len() as u32,
                Task::FullSpeed { .. } | Task::Capped { .. } => 1,
            })
            .max()
            .unwrap_or(1)
    }

    /// Every file some task or the timeline reads.
    pub fn site_files(&self) -> Vec<SiteFile> {
        let mut files = BTreeSet::new();
        for task in self.sessions.iter().flat_map(|s| &s.tasks) {
            match task {
                Task::FullSpeed { size, .. } | Task::Rate { size, .. } => {
                    files.insert(file_for(*size, true));
                }
                Task::Slow { sizes, .. } => {
                    files.extend(sizes.iter().map(|size| file_for(*size, false)));
                }
                Task::Stalled { size, .. } | Task::Capped { size } => {
                    files.insert(file_for(*size, false));
                }
            }
        }
        // Stalled runs and the turns' request loops use a 1 KiB file.
        files.insert(file_for(KIB, true));
        if let Some(turns) = &self.turns {
            files.insert(file_for(turns.download_size, true));
        }
        files.insert(file_for(self.timeline.size, true));
        files.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_arguments() {
        let dir = Path::new("/srv");
        assert_eq!(
            ServerSpec::plain(Mode::Native).args(dir),
            ["native-serve", "--dir", "/srv", "--addr", "127.0.0.1:0"]
        );
        let reused = ServerSpec {
            reuse: Some(10),
            ..ServerSpec::plain(Mode::Splice)
        };
        assert_eq!(
            reused.args(dir),
            [
                "serve",
                "--dir",
                "/srv",
                "--addr",
                "127.0.0.1:0",
                "--component",
                host_test::FILESERVER_COMPONENT,
                "--env",
                "TRANSFER=splice",
                "--threads",
                "1",
                "--write-timeout",
                "0",
                "--reuse",
                "10",
                "--env",
                "STALL_TIMEOUT=600s",
            ]
        );
        let capped = ServerSpec {
            max_memory: Some(MIB),
            ..ServerSpec::plain(Mode::Naive)
        };
        assert!(capped
            .args(dir)
            .contains(&host_test::NAIVE_COMPONENT.to_string()));
        assert_eq!(capped.label(), "naive, linear-memory cap 1 MiB");

        let p3 = ServerSpec::with_chunk_size(Mode::Chunked, 16384).on(Build::P3);
        let args = p3.args(dir);
        let component = args.iter().position(|arg| arg == "--component").unwrap();
        assert_eq!(args[component + 1], host_test::P3_COMPONENT);
        assert_eq!(p3.label(), "chunked p3, CHUNK_SIZE=16384");
        assert_eq!(p3.mode_label(), "chunked, CHUNK_SIZE=16384");
        assert_eq!(p3.build_label(), Some("p3"));
        assert_eq!(ServerSpec::plain(Mode::Native).build_label(), None);
        assert_eq!(
            ServerSpec::plain(Mode::NativeInline).args(dir),
            [
                "native-serve",
                "--dir",
                "/srv",
                "--file-io",
                "inline",
                "--addr",
                "127.0.0.1:0"
            ]
        );
        assert_eq!(ServerSpec::plain(Mode::NativeInline).build_label(), None);
        assert!(ServerSpec::plain(Mode::Splice)
            .args(dir)
            .contains(&host_test::FILESERVER_COMPONENT.to_string()));
    }

    /// Every task a p2 fileserver server runs, its p3 twin runs too.
    #[test]
    fn p3_mirrors_p2() {
        for quick in [true, false] {
            let schedule = schedule(quick);
            let tasks_of = |server: &ServerSpec| -> Vec<Task> {
                schedule
                    .sessions
                    .iter()
                    .filter(|s| s.server == *server)
                    .flat_map(|s| s.tasks.clone())
                    .collect()
            };
            let p2: Vec<&ServerSpec> = schedule
                .sessions
                .iter()
                .map(|s| &s.server)
                .filter(|s| s.mode.has_p3() && s.build == Build::P2)
                .collect();
            assert!(p2.len() >= 3);
            for server in p2 {
                let twin = server.clone().on(Build::P3);
                assert_eq!(tasks_of(server), tasks_of(&twin), "{}", twin.label());
            }
            assert!(schedule
                .sessions
                .iter()
                .all(|s| s.server.mode.has_p3() || s.server.build == Build::P2));
        }
    }

    #[test]
    fn schedules_are_consistent() {
        for quick in [true, false] {
            let schedule = schedule(quick);
            assert!(schedule.task_count() > 10);
            let files = schedule.site_files();
            // 1 GiB is only ever real for throughput, in the full run.
            assert_eq!(
                files.contains(&SiteFile {
                    size: GIB,
                    content: Content::Real
                }),
                !quick
            );
            assert_eq!(
                schedule.max_connections(),
                if quick { 100 } else { MOST_STALLED }
            );
        }
    }
}
