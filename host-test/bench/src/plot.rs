//! Draws the `--plot` figure (plotters, SVG backend): linear memory over time
//! for the naive fixture, chunked and splice (p2 solid, p3 dashed) during the
//! same slow download.
//! What a point means is explained in `memory_timeline`.

use std::path::Path;

use host_test::Build;
use plotters::coord::combinators::{BindKeyPoints as _, IntoLogRange as _};
use plotters::prelude::*;

use crate::bench_site::{size_label, KIB};
use crate::chart_style::{color, finish, plotters_error};
use crate::labels::bytes_label;
use crate::memory_timeline::Timeline;

const SIZE: (u32, u32) = (960, 560);

pub fn draw(path: &Path, timeline: &Timeline) -> anyhow::Result<()> {
    let points = || timeline.series.iter().flat_map(|s| &s.points);
    let x_max = points().map(|p| p.seconds).fold(1.0, f64::max) * 1.05;
    let peak_max = points().map(|p| p.peak_linear).max().unwrap_or(64 * KIB);
    // Ticks at powers of 4 from 16 KiB: 64 KiB and 128 KiB (the pages that
    // matter) get a line of their own.
    let y_min = 16.0 * KIB as f64;
    let y_max = (peak_max as f64 * 4.0).max(1024.0 * KIB as f64);
    let ticks: Vec<f64> = std::iter::successors(Some(y_min), |y| Some(y * 2.0))
        .take_while(|y| *y <= y_max)
        .filter(|y| {
            let kib = (*y / KIB as f64) as u64;
            kib <= 256 || kib.trailing_zeros().is_multiple_of(2)
        })
        .collect();

    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(plotters_error)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Linear memory during a {} download read at ~1 MiB/s",
                size_label(timeline.size)
            ),
            ("sans-serif", 22),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(
            0f64..x_max,
            (y_min..y_max).log_scale().with_key_points(ticks),
        )
        .map_err(plotters_error)?;
    chart
        .configure_mesh()
        .x_desc("seconds since the request; each point: one instance whose client left then")
        .y_desc("linear memory per instance (log scale)")
        .y_label_formatter(&|bytes| bytes_label(*bytes as u64))
        .x_labels(12)
        .x_label_formatter(&|seconds| {
            if seconds.fract().abs() < 1e-9 {
                format!("{seconds:.0} s")
            } else {
                format!("{seconds:.1} s")
            }
        })
        .draw()
        .map_err(plotters_error)?;

    for series in &timeline.series {
        let color = color(series.server.mode);
        let p3 = series.server.build == Build::P3 && series.server.mode.has_p3();
        let line: Vec<(f64, f64)> = series
            .points
            .iter()
            .map(|p| (p.seconds, p.peak_linear as f64))
            .collect();
        let peak = series
            .points
            .iter()
            .map(|p| p.peak_linear)
            .max()
            .unwrap_or(0);
        let drawn = if p3 {
            chart.draw_series(DashedLineSeries::new(
                line.clone(),
                8,
                5,
                color.stroke_width(2),
            ))
        } else {
            chart.draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
        };
        drawn
            .map_err(plotters_error)?
            .label(format!(
                "{} (peak {})",
                series.server.label(),
                bytes_label(peak)
            ))
            .legend(move |(x, y)| {
                // p3: two dashes, as its line.
                let dash = if p3 { 10 } else { 24 };
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (dash, 0)], color.stroke_width(3))
                    + PathElement::new(vec![(24 - dash, 0), (24, 0)], color.stroke_width(3))
            });
        // p3 points hollow, so coinciding points of both builds stay visible.
        let style = if p3 {
            color.stroke_width(2)
        } else {
            color.filled()
        };
        chart
            .draw_series(line.iter().map(|&point| Circle::new(point, 4, style)))
            .map_err(plotters_error)?;
    }
    finish(chart, &root, SeriesLabelPosition::MiddleRight)
}
