//! The JSON form of a whole report (`bench --json`).

use serde_json::{json, Value};

use crate::bench_report::{BenchReport, Ratios};
use crate::memory_timeline::Timeline;
use crate::results::Row;
use host_test::process_memory::ProcessMemory;

fn memory_json(memory: &ProcessMemory) -> Value {
    json!({
        "rss_bytes": memory.rss,
        "rss_anon_bytes": memory.rss_anon,
        "rss_file_and_shmem_bytes": memory.rss_file_and_shmem,
        "threads": memory.threads,
        "pss_bytes": memory.pss,
    })
}

fn row_json(row: &Row, ratios: Ratios) -> Value {
    json!({
        "server": row.server.mode.label(),
        "build": row.server.build_label(),
        "variant": row.server.variant(),
        "reuse": row.server.reuse,
        "max_memory_bytes": row.server.max_memory,
        "size_bytes": row.size,
        "client": row.client.key(),
        "connections": row.connections,
        "peak_linear_memory_bytes": row.peak_linear.map(|p| json!({
            "min": p.min, "max": p.max, "requests": p.requests,
        })),
        "host_memory": row.host_memory.map(|h| json!({
            "idle": memory_json(&h.idle),
            "loaded": memory_json(&h.loaded),
            "per_connection_bytes": h.per_connection(),
            "anon_per_connection_bytes": h.anon_per_connection(),
            "pss_per_connection_bytes": h.pss_per_connection(),
            "measured_after_seconds": h.measured_after.as_secs_f64(),
        })),
        "throughput_mb_per_s": row.throughput,
        "requests_per_s": row.requests_per_second,
        "ratio_to_native": ratios.native,
        "ratio_to_nginx": ratios.nginx,
        "ratio_to_go": ratios.go,
        "time_to_first_byte_ms": row.time_to_first_byte.map(|d| d.as_secs_f64() * 1e3),
        "result": row.result,
        "failed": row.failed,
    })
}

pub fn to_json(report: &BenchReport, timeline: Option<&Timeline>) -> Value {
    json!({
        "quick": report.quick,
        "settings": report
            .settings
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect::<Vec<_>>(),
        "rows": report
            .rows
            .iter()
            .zip(&report.ratios)
            .map(|(row, ratios)| row_json(row, *ratios))
            .collect::<Vec<_>>(),
        "targets": report
            .targets
            .iter()
            .map(|t| json!({
                "target": t.name,
                "goal": t.goal,
                "measured": t.measured,
                "verdict": t.verdict.label(),
            }))
            .collect::<Vec<_>>(),
        "turns": report.turns.as_ref().map(|turns| json!({
            "rounds": turns.plan.rounds,
            "download_size_bytes": turns.plan.download_size,
            "connections": turns.plan.connections,
            "rate_seconds": turns.plan.rate_duration.as_secs_f64(),
            "servers": turns.servers.iter().map(|(mode, series)| match series {
                Ok(series) => json!({
                    "server": mode.label(),
                    "downloads_mb_per_s": series.downloads,
                    "requests_per_s": series.requests_per_second,
                }),
                Err(why) => json!({"server": mode.label(), "result": why}),
            }).collect::<Vec<_>>(),
        })),
        "memory_timeline": timeline.map(|t| json!({
            "size_bytes": t.size,
            "client_bytes_per_s": t.rate,
            "series": t.series.iter().map(|s| json!({
                "server": s.server.mode.label(),
                "build": s.server.build_label(),
                "points": s.points.iter().map(|p| json!({
                    "seconds": p.seconds,
                    "peak_linear_memory_bytes": p.peak_linear,
                    "bytes_read": p.bytes,
                    "complete": p.complete,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })),
    })
}
