//! What the bench's two figures share (`plot`, `stall_plot`): one colour per
//! server, the legend box and writing the SVG out.

use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::schedule::Mode;

/// A server's colour, the same in every figure.
pub fn color(mode: Mode) -> RGBColor {
    match mode {
        Mode::Naive => RGBColor(200, 40, 40),
        Mode::Chunked => RGBColor(30, 90, 200),
        Mode::Splice => RGBColor(20, 150, 60),
        Mode::Native => RGBColor(90, 90, 90),
        Mode::NativeInline => RGBColor(150, 150, 150),
        Mode::Default => RGBColor(120, 40, 170),
        Mode::Nginx => RGBColor(0, 140, 140),
        Mode::Go => RGBColor(230, 140, 0),
    }
}

/// plotters' errors carry the backend's error type; the bench only reports them.
pub fn plotters_error(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("plotters: {error}")
}

/// Draws the legend at `position` and writes the figure out.
pub fn finish<'a, CT: CoordTranslate>(
    mut chart: ChartContext<'a, SVGBackend<'a>, CT>,
    root: &DrawingArea<SVGBackend<'a>, Shift>,
    position: SeriesLabelPosition,
) -> anyhow::Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(plotters_error)?;
    root.present().map_err(plotters_error)?;
    Ok(())
}
