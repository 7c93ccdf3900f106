//! Draws the `--stall-plot` figure (plotters, SVG): server RSS against the
//! number of stalled clients, one line per server (`stall_curve`).

use std::path::Path;

use anyhow::anyhow;
use plotters::coord::combinators::IntoLogRange as _;
use plotters::prelude::*;

use super::schedule::Mode;
use super::site::MIB;
use super::stall_curve::{Curve, NAIVE_FILE};

const SIZE: (u32, u32) = (960, 600);

fn style(mode: Mode) -> (RGBColor, String) {
    match mode {
        Mode::Naive => (
            RGBColor(200, 40, 40),
            format!(
                "naive fixture (reads the whole {} MiB file first)",
                NAIVE_FILE / MIB
            ),
        ),
        Mode::Chunked => (
            RGBColor(30, 90, 200),
            "old default: a fresh WASI 0.2 instance per request".into(),
        ),
        Mode::Default => (
            RGBColor(120, 40, 170),
            "README default: host-test serve --dir".into(),
        ),
        Mode::Go => (RGBColor(230, 140, 0), "Go net/http FileServer".into()),
        Mode::Nginx => (RGBColor(0, 140, 140), "nginx (sendfile)".into()),
        Mode::Native | Mode::Splice => (RGBColor(90, 90, 90), mode.label().into()),
    }
}

pub fn draw(path: &Path, curves: &[Curve]) -> anyhow::Result<()> {
    let error = |e: &dyn std::fmt::Display| anyhow!("plotters: {e}");
    let points = || curves.iter().flat_map(|c| &c.points);
    let x_max = points()
        .map(|(clients, _)| *clients)
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.02;
    let y_max = points().map(|(_, rss)| *rss).max().unwrap_or(MIB) as f64 / MIB as f64 * 2.0;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Server memory as clients stop reading (each read 4 KiB of a 1 GiB file)",
            ("sans-serif", 22),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x_max, (4.0f64..y_max.max(64.0)).log_scale())
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .x_desc("stalled clients")
        .y_desc("server RSS, MiB (log scale)")
        .y_label_formatter(&|mib| format!("{mib:.0}"))
        .x_label_formatter(&|clients| format!("{clients:.0}"))
        .draw()
        .map_err(|e| error(&e))?;
    for curve in curves.iter().filter(|c| !c.points.is_empty()) {
        let (color, label) = style(curve.server.mode);
        let line: Vec<(f64, f64)> = curve
            .points
            .iter()
            .map(|&(clients, rss)| (f64::from(clients), rss as f64 / MIB as f64))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
            .map_err(|e| error(&e))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
            });
        chart
            .draw_series(
                line.iter()
                    .map(|&point| Circle::new(point, 3, color.filled())),
            )
            .map_err(|e| error(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(|e| error(&e))?;
    root.present().map_err(|e| error(&e))?;
    Ok(())
}
