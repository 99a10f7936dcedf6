//! `-z io,stat,INTERVAL[,COLUMN...]`: tshark's IO statistics table. A
//! column is a filter (frames and bytes of the packets it matches) or a
//! calculation over a field's values in the packets a filter matches:
//! `COUNT(field)filter`, `SUM`, `MIN`, `MAX`, `AVG`, and `FRAMES`,
//! `BYTES`. Rows are intervals since the first packet; widths, rounding
//! and the last row's end follow tshark 4.0 (relative times only).

use std::fmt::Write as _;

use dissectors::field::FieldType;

use super::frame_facts::Sample;
use crate::cli::CliError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Calc {
    Frames,
    Bytes,
    FramesAndBytes,
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

impl Calc {
    /// The names tshark looks for, in its order (`FRAMES BYTES` is never
    /// written: a plain filter is that).
    const NAMED: [(&'static str, Calc); 7] = [
        ("FRAMES", Calc::Frames),
        ("BYTES", Calc::Bytes),
        ("COUNT", Calc::Count),
        ("SUM", Calc::Sum),
        ("MIN", Calc::Min),
        ("MAX", Calc::Max),
        ("AVG", Calc::Avg),
    ];
    fn name(self) -> &'static str {
        Calc::NAMED
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("Bytes", |(n, _)| n)
    }
}

/// How a field's values add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Number {
    Unsigned,
    Signed,
    Float,
    Time,
}

/// One interval of one column.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    frames: u32,
    /// Values seen (for AVG).
    num: u32,
    counter: u64,
    float: f64,
}

#[derive(Debug)]
pub struct Column {
    calc: Calc,
    /// The field of a calculation, and the kind of its values.
    field: Option<(&'static str, Number)>,
    /// COUNT of a name only expert items carry (as `_ws.expert`): counted
    /// from them rather than from fields.
    expert: bool,
    /// What the header lists: the column's text, or none for all frames.
    title: Option<String>,
    /// The filter's position in the statistics' filter set.
    pub filter: Option<usize>,
    /// The intervals with packets, by index, in increasing order (sparse:
    /// a capture whose clock jumps a year ahead holds two entries).
    cells: Vec<(u64, Cell)>,
    max_vals: u64,
    max_frame: u32,
}

/// The table: columns over intervals of `interval_us` microseconds (all
/// of the capture for `u64::MAX`).
#[derive(Debug)]
pub struct IoStat {
    interval_us: u64,
    /// Decimal places of the interval as given.
    precision: u32,
    pub columns: Vec<Column>,
    /// The last non-negative time since the first packet, in µs (a packet
    /// before the first counts at it).
    last_us: u64,
    /// The latest time since the first packet (tshark's elapsed time), ns.
    elapsed_ns: i64,
}

/// An `io,stat` argument: the interval and the column texts.
pub fn parse(arg: &str) -> Result<(IoStat, Vec<Option<String>>), CliError> {
    let bad = || {
        CliError(format!(
            "-z {arg}: invalid \"-z io,stat,<interval>[,<filter>][,<filter>]...\" argument"
        ))
    };
    let rest = arg.strip_prefix("io,stat,").ok_or_else(bad)?;
    let (interval_text, columns) = match rest.split_once(',') {
        Some((i, c)) => (i, Some(c)),
        None => (rest, None),
    };
    let seconds: f64 = interval_text.trim().parse().map_err(|_| bad())?;
    if seconds.is_nan() || seconds < 0.0 {
        return Err(bad());
    }
    let (interval_us, precision) = if seconds == 0.0 {
        (u64::MAX, 0)
    } else {
        let us = (seconds * 1_000_000.0 + 0.5) as u64;
        if us < 1 {
            return Err(CliError(
                "-z io,stat: the interval must be >= 0.000001 seconds, or 0 for the whole capture"
                    .into(),
            ));
        }
        (us, precision_of(us, interval_text))
    };
    let texts: Vec<Option<String>> = match columns {
        None => vec![None],
        Some(c) => c
            .split(',')
            .map(|t| Some(t.trim().to_string()).filter(|t| !t.is_empty()))
            .collect(),
    };
    let mut cols = Vec::new();
    let mut filters = Vec::new();
    for text in &texts {
        let (column, filter) = column(text.as_deref())?;
        cols.push(column);
        filters.push(filter);
    }
    Ok((
        IoStat {
            interval_us,
            precision,
            columns: cols,
            last_us: 0,
            elapsed_ns: 0,
        },
        filters,
    ))
}

/// The decimal places tshark shows for an interval: those the number of
/// microseconds needs, or, for whole seconds, the zeros typed after a
/// decimal point (`1.00`).
fn precision_of(us: u64, text: &str) -> u32 {
    let mut precision = 6;
    let mut i = 10;
    while i < 10_000_000 {
        if !us.is_multiple_of(i) {
            break;
        }
        precision -= 1;
        i *= 10;
    }
    if precision == 0
        && let Some((_, decimals)) = text.split_once('.')
        && !decimals.is_empty()
    {
        precision = decimals.len().min(6) as u32;
    }
    precision
}

/// A column from its text, and the filter that chooses its packets.
fn column(text: Option<&str>) -> Result<(Column, Option<String>), CliError> {
    let mut c = Column {
        calc: Calc::FramesAndBytes,
        field: None,
        title: text.map(str::to_string),
        expert: false,
        filter: None,
        cells: Vec::new(),
        max_vals: 0,
        max_frame: 0,
    };
    let Some(text) = text else {
        return Ok((c, None));
    };
    let named = Calc::NAMED
        .iter()
        .find(|(n, _)| text.starts_with(n) && text[n.len()..].starts_with('('));
    let Some(&(name, calc)) = named else {
        return Ok((c, Some(text.to_string())));
    };
    c.calc = calc;
    let inner = &text[name.len() + 1..];
    let close = inner.find(')').ok_or_else(|| {
        CliError("-z io,stat: closing parenthesis missing from calculated expression".into())
    })?;
    let (field, filter) = (&inner[..close], inner[close + 1..].trim());
    match calc {
        Calc::Frames | Calc::Bytes if !field.is_empty() => {
            return Err(CliError(format!(
                "-z io,stat: {name} does not require or allow a field name within the parens"
            )));
        }
        Calc::Frames | Calc::Bytes => {}
        _ if field.is_empty() => {
            return Err(CliError(format!(
                "-z io,stat: you didn't specify a field name for {name}(*)"
            )));
        }
        _ => {
            let slot = crate::filter::compile::slot_named(field).ok_or_else(|| {
                CliError(format!("-z io,stat: there is no field named '{field}'"))
            })?;
            c.field = Some((slot.name, number_of(slot, calc)?));
            c.expert = slot.fields.is_empty() && !slot.experts.is_empty();
        }
    }
    Ok((c, Some(filter.to_string()).filter(|f| !f.is_empty())))
}

/// The kind of a field's values, or why it cannot be calculated on.
fn number_of(slot: &crate::filter::compile::Slot, calc: Calc) -> Result<Number, CliError> {
    // COUNT counts any item: a field, a protocol, an expert item (tshark's
    // tcp.analysis.* are fields without a value).
    let number = match slot.fields.first().map(|def| def.ftype) {
        None => None,
        Some(ftype) => match ftype {
            FieldType::U8
            | FieldType::U16
            | FieldType::U24
            | FieldType::U32
            | FieldType::U64
            | FieldType::FrameNum => Some(Number::Unsigned),
            FieldType::I32 => Some(Number::Signed),
            FieldType::Float | FieldType::Double => Some(Number::Float),
            FieldType::RelTime => Some(Number::Time),
            _ => None,
        },
    };
    match number {
        Some(n) => Ok(n),
        None if calc == Calc::Count => Ok(Number::Unsigned),
        None => Err(CliError(format!(
            "-z io,stat: {} doesn't have integral values, so {}(*) calculations are not supported on it",
            slot.name,
            calc.name()
        ))),
    }
}

impl IoStat {
    /// The fields (or protocols) whose values the columns need.
    pub fn sampled_fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns
            .iter()
            .filter(|c| !c.expert)
            .filter_map(|c| c.field.map(|(f, _)| f))
    }

    /// The expert items the columns count.
    pub fn sampled_experts(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns
            .iter()
            .filter(|c| c.expert)
            .filter_map(|c| c.field.map(|(f, _)| f))
    }

    /// Starts a frame `rel_ns` after the first: the interval it falls in.
    pub fn interval_of(&mut self, rel_ns: i64) -> u64 {
        self.elapsed_ns = self.elapsed_ns.max(rel_ns);
        if rel_ns >= 0 {
            let (s, ns) = (rel_ns / 1_000_000_000, rel_ns % 1_000_000_000);
            self.last_us = s as u64 * 1_000_000 + (ns as u64 + 500) / 1000;
        }
        match self.interval_us {
            u64::MAX => 0,
            i => self.last_us / i,
        }
    }

    /// Counts a frame `bytes` long in column `col`, interval `at`, with
    /// `samples` the values of the frame's sampled fields.
    pub fn count(&mut self, col: usize, at: u64, bytes: u64, samples: &[(&'static str, Sample)]) {
        let c = &mut self.columns[col];
        // A packet earlier than the column's last interval counts there.
        if c.cells.last().is_none_or(|(i, _)| *i < at) {
            c.cells.push((at, Cell::default()));
        }
        let Some((_, cell)) = c.cells.last_mut() else {
            return;
        };
        cell.frames += 1;
        let field = c.field.map(|(f, _)| f);
        let values = samples
            .iter()
            .filter(|(n, _)| Some(*n) == field)
            .map(|(_, v)| *v);
        let number = c.field.map_or(Number::Unsigned, |(_, n)| n);
        for (i, v) in values.enumerate() {
            add(c.calc, number, cell, v, i == 0);
        }
        if matches!(c.calc, Calc::Frames | Calc::Bytes | Calc::FramesAndBytes) {
            cell.counter += bytes;
        }
        c.max_frame = c.max_frame.max(cell.frames);
        c.max_vals = c.max_vals.max(widest(c.calc, number, cell));
    }
}

/// A value into a cell; `first_in_frame`: the frame's first value (MIN
/// takes the first value of the interval's first frame as it is).
fn add(calc: Calc, number: Number, cell: &mut Cell, v: Sample, first_in_frame: bool) {
    let (u, f) = (v.as_counter(), v.as_float());
    let first = cell.frames == 1 && first_in_frame;
    match calc {
        Calc::Count => cell.counter += 1,
        Calc::Sum => match number {
            Number::Float => cell.float += f,
            _ => cell.counter = cell.counter.wrapping_add(u),
        },
        Calc::Avg => {
            cell.num += 1;
            match number {
                Number::Float => cell.float += f,
                _ => cell.counter = cell.counter.wrapping_add(u),
            }
        }
        Calc::Min => match number {
            Number::Float if first || f < cell.float => cell.float = f,
            Number::Signed if first || (u as i64) < (cell.counter as i64) => cell.counter = u,
            Number::Unsigned | Number::Time if first || u < cell.counter => cell.counter = u,
            _ => {}
        },
        Calc::Max => match number {
            Number::Float if f > cell.float => cell.float = f,
            Number::Signed if (u as i64) > (cell.counter as i64) => cell.counter = u,
            Number::Unsigned | Number::Time if u > cell.counter => cell.counter = u,
            _ => {}
        },
        Calc::Frames | Calc::Bytes | Calc::FramesAndBytes => {}
    }
}

/// What tshark keeps to size a column: the largest value shown (floats
/// rounded, AVG of times in whole seconds).
fn widest(calc: Calc, number: Number, cell: &Cell) -> u64 {
    match (calc, number) {
        (Calc::Frames, _) => 0,
        (Calc::Sum | Calc::Min | Calc::Max, Number::Float) => (cell.float + 0.5) as u64,
        (Calc::Avg, _) if cell.num == 0 => 0,
        (Calc::Avg, Number::Float) => cell.float as u64 / u64::from(cell.num),
        (Calc::Avg, Number::Time) => {
            (cell.counter / u64::from(cell.num) + 500_000_000) / 1_000_000_000
        }
        (Calc::Avg, _) => cell.counter / u64::from(cell.num),
        _ => cell.counter,
    }
}

/// tshark's `magnitude`: decimal digits of `v`, at most `max`.
fn magnitude(mut v: u64, max: u32) -> u32 {
    let mut m = 0;
    for _ in 0..max {
        m += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    m
}

/// A column's widths: its frames part and its value part.
#[derive(Debug, Clone, Copy)]
struct Width {
    frames: usize,
    value: usize,
}

impl Column {
    fn width(&mut self) -> Width {
        let number = self.field.map_or(Number::Unsigned, |(_, n)| n);
        let frames = (magnitude(u64::from(self.max_frame), 15) as usize).max(6);
        let value = match (self.calc, number) {
            (Calc::Frames, _) => 0,
            (Calc::FramesAndBytes | Calc::Bytes | Calc::Count, _) => {
                (magnitude(self.max_vals, 15) as usize).max(5)
            }
            (_, Number::Float) => magnitude(self.max_vals, 15) as usize + 7,
            (calc, Number::Time) => {
                if calc != Calc::Avg {
                    self.max_vals = (self.max_vals + 500_000_000) / 1_000_000_000;
                }
                magnitude(self.max_vals, 15) as usize + 7
            }
            (calc, _) => (magnitude(self.max_vals, 15) as usize).max(calc.name().len()),
        };
        Width { frames, value }
    }

    /// Its part of a row, from `cell` (none: an interval it never saw).
    fn cell_text(&self, out: &mut String, w: Width, cell: Option<&Cell>) {
        let zero = Cell::default();
        let cell = cell.unwrap_or(&zero);
        let number = self.field.map_or(Number::Unsigned, |(_, n)| n);
        let v = w.value;
        match (self.calc, number) {
            (Calc::Frames, _) => {
                let _ = write!(out, " {:>f$} |", cell.frames, f = w.frames);
            }
            (Calc::FramesAndBytes, _) => {
                let _ = write!(
                    out,
                    " {:>f$} | {:>v$} |",
                    cell.frames,
                    cell.counter,
                    f = w.frames
                );
            }
            (Calc::Bytes | Calc::Count, _) => {
                let _ = write!(out, " {:>v$} |", cell.counter);
            }
            (Calc::Avg, Number::Float) => {
                let n = f64::from(cell.num.max(1));
                let _ = write!(out, " {:>p$.6} |", cell.float / n, p = v - 7);
            }
            (_, Number::Float) => {
                let _ = write!(out, " {:>p$.6} |", cell.float, p = v - 7);
            }
            (calc, Number::Time) => {
                let ns = match calc {
                    Calc::Avg => cell.counter / u64::from(cell.num.max(1)),
                    _ => cell.counter,
                };
                let us = (ns + 500) / 1000;
                let _ = write!(
                    out,
                    " {:>p$}.{:06} |",
                    us / 1_000_000,
                    us % 1_000_000,
                    p = v - 7
                );
            }
            (Calc::Avg, Number::Signed) => {
                let avg = cell.counter / u64::from(cell.num.max(1));
                let _ = write!(out, " {:>v$} |", avg as i64);
            }
            (Calc::Avg, _) => {
                let _ = write!(out, " {:>v$} |", cell.counter / u64::from(cell.num.max(1)));
            }
            (_, Number::Signed) => {
                let _ = write!(out, " {:>v$} |", cell.counter as i64);
            }
            _ => {
                let _ = write!(out, " {:>v$} |", cell.counter);
            }
        }
    }
}

/// tshark's `printcenter`: a label centred in a column `width` wide.
fn centred(out: &mut String, label: &str, width: usize) {
    const SPACES: &str = "      ";
    let len = 6 - ((width as i64 - label.len() as i64) / 2 + 1);
    if len > 0 && len < 6 {
        let pad = &SPACES[len as usize..];
        if (width as i64 - label.len() as i64) % 2 == 0 {
            let _ = write!(out, "{pad}{label}{pad}|");
        } else {
            let _ = write!(out, "{} {label}{pad}|", pad);
        }
    } else if len > 0 && len <= 15 {
        let _ = write!(out, "{label}|");
    }
}

/// A line of `n` copies of `c`.
fn rule(out: &mut String, c: char, n: usize) {
    out.extend(std::iter::repeat_n(c, n));
}

/// `|`, then `text`, padded so the line ends with `|` at `border`.
fn boxed(out: &mut String, text: &str, border: usize) {
    let _ = writeln!(
        out,
        "{text}{:>w$}",
        "|",
        w = border.saturating_sub(text.len())
    );
}

impl IoStat {
    /// The table into `w`, its rows written as they are made (a capture
    /// whose clock jumps ahead has millions of empty intervals).
    pub fn draw(&mut self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let out = &mut String::new();
        let elapsed_ns = self.elapsed_ns.max(0) as u64;
        let mut duration =
            elapsed_ns / 1_000_000_000 * 1_000_000 + (elapsed_ns % 1_000_000_000 + 500) / 1000;
        let whole = self.interval_us == u64::MAX || self.interval_us > duration;
        let mut interval = if whole { duration } else { self.interval_us };
        let mut dur_mag = magnitude(duration / 1_000_000, 5) as usize;
        let invl_mag = magnitude(interval / 1_000_000, 5) as usize;
        let (precision, mut border) = if whole {
            let p = match dur_mag {
                m if m >= 2 => 1,
                1 => 3,
                _ => 6,
            };
            (p, 30 + dur_mag + p + 1)
        } else {
            let p = self.precision as usize;
            (
                p,
                25 + invl_mag.max(dur_mag) + if p == 0 { 0 } else { p + 1 },
            )
        };
        let dv = 1_000_000 / 10u64.pow(precision as u32);
        // tshark 4.0 rounds the duration to the interval's precision only
        // when that has decimals.
        if precision > 0 && duration % dv > 5 * (dv / 10) {
            duration = (duration + 5 * (dv / 10)) / dv * dv;
            dur_mag = magnitude(duration / 1_000_000, 5) as usize;
        }
        if whole {
            interval = duration;
        }
        let invl_col = if precision == 0 {
            2 * dur_mag + 8
        } else {
            2 * dur_mag + 2 * precision + 10
        }
        .max(12);
        let widths: Vec<Width> = self.columns.iter_mut().map(Column::width).collect();
        let row_w = invl_col
            + self
                .columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| match c.calc {
                    Calc::FramesAndBytes => w.frames + w.value + 6,
                    Calc::Frames => w.frames + 3,
                    _ => w.value + 3,
                })
                .sum::<usize>();
        border = border.max(row_w);
        let widest_filter = self
            .columns
            .iter()
            .map(|c| c.title.as_ref().map_or(26, |t| t.len() + 11))
            .max()
            .unwrap_or(0);
        if widest_filter > border && border < 102 {
            border = widest_filter.min(102);
        }
        if border - row_w == 1 {
            border += 1;
        }
        self.draw_header(out, border, (duration, interval), (precision, dur_mag, dv));
        self.draw_header_row(out, border, &widths, invl_col, row_w);
        self.draw_rows(
            out,
            w,
            (border, row_w),
            &widths,
            (duration, interval),
            (precision, dur_mag, dv),
        )?;
        rule(out, '=', border);
        out.push('\n');
        w.write_all(out.as_bytes())
    }

    fn draw_header(
        &self,
        out: &mut String,
        border: usize,
        (duration, interval): (u64, u64),
        (precision, dur_mag, dv): (usize, usize, u64),
    ) {
        out.push('\n');
        rule(out, '=', border);
        let _ = writeln!(out, "\n|{:<w$}|", " IO Statistics", w = border - 2);
        let _ = writeln!(out, "|{:<w$}|", "", w = border - 2);
        // tshark pads these lines for a duration of at most five digits of
        // seconds: longer ones push the border out.
        let m = dur_mag;
        let pad = |n: usize| " ".repeat(border.saturating_sub(n));
        if precision == 0 {
            let (s, us) = (duration / 1_000_000, duration % 1_000_000);
            let _ = writeln!(out, "| Duration: {s:>m$}.{us:>6} secs{}|", pad(25 + m));
            let i = interval / 1_000_000;
            let _ = writeln!(out, "| Interval: {i:>m$} secs{}|", pad(18 + m));
        } else {
            let p = precision;
            for (name, t) in [("Duration", duration), ("Interval", interval)] {
                let (s, f) = (t / 1_000_000, t % 1_000_000 / dv);
                let _ = writeln!(out, "| {name}: {s:>m$}.{f:0p$} secs{}|", pad(19 + m + p));
            }
        }
        let _ = writeln!(out, "|{:<w$}|", "", w = border - 2);
        for (j, c) in self.columns.iter().enumerate() {
            let head = if j == 0 { "| Col" } else { "|    " };
            let mut line = format!("{head}{:>2}: ", j + 1);
            let Some(mut filter) = c.title.as_deref() else {
                line.push_str("Frames and bytes");
                boxed(out, &line, border);
                continue;
            };
            let max_w = border - 11;
            while filter.len() > max_w {
                let (len, next) = match filter[..max_w].rfind(' ') {
                    Some(p) => (p, p + 1),
                    None => (max_w, max_w),
                };
                line.push_str(&filter[..len]);
                boxed(out, &line, border);
                line = "|         ".to_string();
                filter = &filter[next..];
            }
            line.push_str(filter);
            boxed(out, &line, border);
        }
        out.push_str("|-");
        rule(out, '-', border - 3);
        out.push_str("|\n");
    }

    fn draw_header_row(
        &self,
        out: &mut String,
        border: usize,
        widths: &[Width],
        invl_col: usize,
        row_w: usize,
    ) {
        let _ = write!(out, "|{:>w$}", "|", w = invl_col - 1);
        for (j, (c, w)) in self.columns.iter().zip(widths).enumerate() {
            let padding = match c.calc {
                Calc::FramesAndBytes => w.frames + w.value + 3,
                Calc::Frames => w.frames,
                _ => w.value,
            };
            let _ = write!(out, "{:<2}{:padding$}|", j + 1, "");
        }
        let filler = (row_w < border).then(|| format!("{:>w$}", "|", w = border - row_w));
        if let Some(f) = &filler {
            out.push_str(f);
        }
        out.push('\n');
        let _ = write!(out, "| Interval{:>w$}", "|", w = invl_col - 10);
        for (c, w) in self.columns.iter().zip(widths) {
            match c.calc {
                Calc::Frames => centred(out, "FRAMES", w.frames),
                Calc::FramesAndBytes => {
                    centred(out, "Frames", w.frames);
                    centred(out, "Bytes", w.value);
                }
                calc => centred(out, calc.name(), w.value),
            }
        }
        if let Some(f) = &filler {
            out.push_str(f);
        }
        out.push_str("\n|-");
        rule(out, '-', row_w - 3);
        out.push('|');
        if let Some(f) = &filler {
            out.push_str(f);
        }
        out.push('\n');
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_rows(
        &self,
        out: &mut String,
        w_out: &mut dyn std::io::Write,
        (border, row_w): (usize, usize),
        widths: &[Width],
        (duration, interval): (u64, u64),
        (precision, dur_mag, dv): (usize, usize, u64),
    ) -> std::io::Result<()> {
        let rows = if interval == 0 || duration == 0 {
            0
        } else {
            duration / interval + u64::from(duration % interval > 0)
        };
        let mut t = 0u64;
        let mut next = vec![0usize; self.columns.len()];
        for i in 0..rows {
            if out.len() > 1 << 16 {
                w_out.write_all(out.as_bytes())?;
                out.clear();
            }
            let last = i == rows - 1;
            let end = if last { duration } else { t + interval };
            let w = dur_mag;
            if precision == 0 {
                let pad = if dur_mag == 1 { " " } else { "" };
                if last {
                    let maxw = if dur_mag >= 3 { dur_mag + 1 } else { 3 };
                    let _ = write!(out, "| {pad}{:>w$} <> {:<maxw$}|", t / 1_000_000, "Dur");
                } else {
                    let _ = write!(
                        out,
                        "|{pad} {:>w$} <> {:>w$} {pad}|",
                        t / 1_000_000,
                        end / 1_000_000
                    );
                }
            } else {
                let _ = write!(
                    out,
                    "| {:>w$}.{:0p$} <> {:>w$}.{:0p$} |",
                    t / 1_000_000,
                    t % 1_000_000 / dv,
                    end / 1_000_000,
                    end % 1_000_000 / dv,
                    p = precision
                );
            }
            for ((c, w), n) in self.columns.iter().zip(widths).zip(&mut next) {
                let cell = c.cells.get(*n).filter(|(at, _)| *at == i);
                if cell.is_some() {
                    *n += 1;
                }
                c.cell_text(out, *w, cell.map(|(_, cell)| cell));
            }
            if row_w < border {
                let _ = write!(out, "{:>w$}", "|", w = border - row_w);
            }
            out.push('\n');
            t += interval;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_intervals_precision_is_its_decimals_or_the_zeros_typed() {
        assert_eq!(precision_of(500_000, "0.5"), 1);
        assert_eq!(precision_of(250_000, "0.25"), 2);
        assert_eq!(precision_of(1_000, "0.001"), 3);
        assert_eq!(precision_of(1_000_000, "1"), 0);
        assert_eq!(precision_of(1_000_000, "1.00"), 2);
        assert_eq!(precision_of(10_000_000, "10"), 0);
    }

    #[test]
    fn labels_centre_as_tsharks_printcenter() {
        let mut s = String::new();
        centred(&mut s, "Frames", 6);
        centred(&mut s, "Bytes", 5);
        centred(&mut s, "COUNT", 5);
        centred(&mut s, "MAX", 8);
        assert_eq!(s, " Frames | Bytes | COUNT |    MAX   |");
    }

    #[test]
    fn a_column_counts_a_late_packet_in_its_last_interval() {
        let (mut io, _) = parse("io,stat,1,SUM(frame.len)frame.len").expect("parses");
        let len = |n| [("frame.len", Sample::Unsigned(n))];
        let at = io.interval_of(3_200_000_000);
        io.count(0, at, 100, &len(100));
        let at = io.interval_of(1_500_000_000);
        io.count(0, at, 40, &len(40));
        assert_eq!(io.columns[0].cells.len(), 1);
        assert_eq!(io.columns[0].cells[0].0, 3);
        assert_eq!(io.columns[0].cells[0].1.counter, 140);
    }
}
