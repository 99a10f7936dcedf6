//! What a chart draws of a long series: egui_plot walks every point it is
//! given each frame, so a series of millions of points is cut to the
//! visible range and, where several points share a pixel column, to their
//! minimum and maximum (in the order they occur, so spikes stay spikes).

use egui_plot::PlotPoint;

/// Writes into `out` the points of `ys` (point `i` at `x = i * dx`) to draw
/// over `[x0, x1]` in `columns` pixel columns: at most about two per
/// column, plus the points just outside the range so lines reach the edges.
pub fn decimate(ys: &[f64], dx: f64, x0: f64, x1: f64, columns: usize, out: &mut Vec<PlotPoint>) {
    out.clear();
    if ys.is_empty() || dx <= 0.0 || !x0.is_finite() || !x1.is_finite() || x1 <= x0 {
        return;
    }
    let last = ys.len() - 1;
    let index = |x: f64| ((x / dx).floor().max(0.0) as usize).min(last);
    let lo = index(x0).saturating_sub(1);
    let hi = (index(x1) + 1).min(last);
    let columns = columns.max(1);
    let point = |i: usize| PlotPoint::new(i as f64 * dx, ys[i]);
    if hi - lo < 2 * columns {
        out.extend((lo..=hi).map(point));
        return;
    }
    let per_column = (hi - lo + 1) as f64 / columns as f64;
    let mut start = lo;
    for c in 0..columns {
        let end = (lo + ((c + 1) as f64 * per_column).round() as usize).min(hi + 1);
        if end <= start {
            continue;
        }
        let (mut min, mut max) = (start, start);
        for i in start..end {
            if ys[i] < ys[min] {
                min = i;
            }
            if ys[i] > ys[max] {
                max = i;
            }
        }
        let (a, b) = if min <= max { (min, max) } else { (max, min) };
        out.push(point(a));
        if b != a {
            out.push(point(b));
        }
        start = end;
    }
}

/// [`decimate`] for points at any x (sorted by x): writes into `out` the
/// indices of the points to draw over `[x0, x1]` in `columns` columns, at
/// most the lowest and highest of each column, in order.
pub fn decimate_xy(points: &[PlotPoint], x0: f64, x1: f64, columns: usize, out: &mut Vec<usize>) {
    out.clear();
    if points.is_empty() || !x0.is_finite() || !x1.is_finite() || x1 <= x0 {
        return;
    }
    let lo = points.partition_point(|p| p.x < x0).saturating_sub(1);
    let hi = points.partition_point(|p| p.x <= x1).min(points.len() - 1);
    if hi < lo {
        return;
    }
    let columns = columns.max(1);
    if hi - lo < 2 * columns {
        out.extend(lo..=hi);
        return;
    }
    let width = (x1 - x0) / columns as f64;
    let mut i = lo;
    while i <= hi {
        // The column of point i, and every point after it in that column.
        let c = ((points[i].x - x0) / width).floor();
        let (mut min, mut max) = (i, i);
        let mut j = i + 1;
        while j <= hi && ((points[j].x - x0) / width).floor() == c {
            if points[j].y < points[min].y {
                min = j;
            }
            if points[j].y > points[max].y {
                max = j;
            }
            j += 1;
        }
        let (a, b) = if min <= max { (min, max) } else { (max, min) };
        out.push(a);
        if b != a {
            out.push(b);
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_range_is_drawn_point_by_point() {
        let ys: Vec<f64> = (0..100).map(f64::from).collect();
        let mut out = Vec::new();
        decimate(&ys, 1.0, 10.0, 20.0, 500, &mut out);
        let xs: Vec<f64> = out.iter().map(|p| p.x).collect();
        assert_eq!(xs, (9..=21).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn a_long_range_keeps_every_column_extreme() {
        // A million points of noise with one spike and one dip.
        let mut ys: Vec<f64> = (0..1_000_000).map(|i| f64::from(i % 7)).collect();
        ys[123_456] = 1000.0;
        ys[654_321] = -1000.0;
        let mut out = Vec::new();
        decimate(&ys, 0.001, 0.0, 1000.0, 800, &mut out);
        assert!(out.len() <= 2 * 800 + 2, "{} points", out.len());
        assert!(
            out.iter()
                .any(|p| p.y == 1000.0 && (p.x - 123.456).abs() < 1e-9)
        );
        assert!(out.iter().any(|p| p.y == -1000.0));
        assert!(
            out.windows(2).all(|w| w[0].x < w[1].x),
            "points stay in order"
        );
    }

    #[test]
    fn points_at_any_x_keep_each_columns_extremes() {
        let pts: Vec<PlotPoint> = (0..100_000)
            .map(|i| {
                PlotPoint::new(
                    f64::from(i) * 0.01 + f64::from(i % 3) * 0.001,
                    f64::from(i % 11),
                )
            })
            .collect();
        let mut out = Vec::new();
        decimate_xy(&pts, 0.0, 1000.0, 500, &mut out);
        assert!(out.len() <= 1000 + 2, "{}", out.len());
        assert!(out.windows(2).all(|w| w[0] < w[1]));
        assert!(out.iter().any(|&i| pts[i].y == 10.0));
        assert!(out.iter().any(|&i| pts[i].y == 0.0));
        // A narrow range draws every point in it.
        decimate_xy(&pts, 10.0, 10.1, 500, &mut out);
        assert_eq!(out.first().map(|&i| pts[i].x < 10.0), Some(true));
        assert!(out.len() >= 10 && out.len() <= 13, "{}", out.len());
    }

    #[test]
    fn nonsense_bounds_draw_nothing() {
        let mut out = vec![PlotPoint::new(0.0, 0.0)];
        decimate(&[1.0, 2.0], 1.0, f64::NAN, 5.0, 100, &mut out);
        assert!(out.is_empty());
        decimate(&[1.0, 2.0], 1.0, 5.0, 1.0, 100, &mut out);
        assert!(out.is_empty());
    }
}
