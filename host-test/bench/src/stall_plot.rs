//! Draws the `--stall-plot` figure (plotters, SVG): server RSS against the
//! number of stalled clients, one line per server (`stall_curve`).

use std::path::Path;

use plotters::coord::combinators::IntoLogRange as _;
use plotters::prelude::*;

use crate::bench_site::MIB;
use crate::chart_style::{color, finish, plotters_error};
use crate::schedule::Mode;
use crate::stall_curve::{Curve, NAIVE_FILE};

const SIZE: (u32, u32) = (960, 600);

/// A server's line label; its colour is `chart_style::color`'s.
fn label(mode: Mode) -> String {
    match mode {
        Mode::Naive => format!(
            "naive fixture (reads the whole {} MiB file first)",
            NAIVE_FILE / MIB
        ),
        Mode::Chunked => "old default: a fresh WASI 0.2 instance per request".into(),
        Mode::Default => "README default: host-test serve --dir".into(),
        Mode::Go => "Go net/http FileServer".into(),
        Mode::Nginx => "nginx (sendfile)".into(),
        Mode::Native | Mode::NativeInline | Mode::Splice => mode.label().into(),
    }
}

pub fn draw(path: &Path, curves: &[Curve]) -> anyhow::Result<()> {
    let points = || curves.iter().flat_map(|c| &c.points);
    let x_max = points()
        .map(|(clients, _)| *clients)
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.02;
    let y_max = points().map(|(_, rss)| *rss).max().unwrap_or(MIB) as f64 / MIB as f64 * 2.0;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(plotters_error)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Server memory as clients stop reading (each read 4 KiB of a 1 GiB file)",
            ("sans-serif", 22),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x_max, (4.0f64..y_max.max(64.0)).log_scale())
        .map_err(plotters_error)?;
    chart
        .configure_mesh()
        .x_desc("stalled clients")
        .y_desc("server RSS, MiB (log scale)")
        .y_label_formatter(&|mib| format!("{mib:.0}"))
        .x_label_formatter(&|clients| format!("{clients:.0}"))
        .draw()
        .map_err(plotters_error)?;
    for curve in curves.iter().filter(|c| !c.points.is_empty()) {
        let (color, label) = (color(curve.server.mode), label(curve.server.mode));
        let line: Vec<(f64, f64)> = curve
            .points
            .iter()
            .map(|&(clients, rss)| (f64::from(clients), rss as f64 / MIB as f64))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
            .map_err(plotters_error)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
            });
        chart
            .draw_series(
                line.iter()
                    .map(|&point| Circle::new(point, 3, color.filled())),
            )
            .map_err(plotters_error)?;
    }
    finish(chart, &root, SeriesLabelPosition::UpperRight)
}
