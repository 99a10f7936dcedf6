//! The Time column in tshark's `-t` formats.

use clap::ValueEnum;

/// tshark's `-t`: when each packet was, as the Time column shows it.
/// Absolute times are UTC: wirelens never reads the machine's zone, so
/// `a` and `u` (and `ad` and `ud`) are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum TimeFormat {
    /// Time of day.
    A,
    /// Date and time of day.
    Ad,
    /// Seconds since the first packet.
    #[default]
    R,
    /// Seconds since the previous packet captured.
    D,
    /// Seconds since the previous packet displayed.
    Dd,
    /// Seconds since the epoch.
    E,
    /// Time of day, UTC.
    U,
    /// Date and time of day, UTC.
    Ud,
}

/// The times a packet's column can be worked out from.
pub struct Times {
    pub ts_ns: i64,
    pub first_ns: i64,
    pub previous_ns: i64,
    pub previous_shown_ns: i64,
    /// Fraction digits: the capture's resolution.
    pub digits: u32,
}

impl TimeFormat {
    pub fn write(self, out: &mut String, t: &Times) {
        use std::fmt::Write as _;
        let secs = |out: &mut String, ns: i64| {
            let sign = if ns < 0 { "-" } else { "" };
            out.push_str(sign);
            let _ = dissectors::field::write_epoch(out, ns.saturating_abs(), t.digits);
        };
        match self {
            TimeFormat::R => secs(out, t.ts_ns.saturating_sub(t.first_ns)),
            TimeFormat::D => secs(out, t.ts_ns.saturating_sub(t.previous_ns)),
            TimeFormat::Dd => secs(out, t.ts_ns.saturating_sub(t.previous_shown_ns)),
            TimeFormat::E => secs(out, t.ts_ns),
            TimeFormat::A | TimeFormat::U | TimeFormat::Ad | TimeFormat::Ud => {
                let day = t.ts_ns.div_euclid(86_400_000_000_000);
                if matches!(self, TimeFormat::Ad | TimeFormat::Ud) {
                    let (y, m, d) = dissectors::field::civil_from_days(day);
                    let _ = write!(out, "{y:04}-{m:02}-{d:02} ");
                }
                let of_day = t.ts_ns.rem_euclid(86_400_000_000_000);
                let s = of_day / 1_000_000_000;
                let _ = write!(out, "{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
                let digits = t.digits.min(9);
                if digits > 0 {
                    let frac = of_day % 1_000_000_000 / 10i64.pow(9 - digits);
                    let _ = write!(out, ".{frac:0width$}", width = digits as usize);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_as_tsharks() {
        // 2012-05-02 11:31:57.529201 UTC, 4.376571 s after the first.
        let t = Times {
            ts_ns: 1_335_958_317_529_201_000,
            first_ns: 1_335_958_313_152_630_000,
            previous_ns: 1_335_958_313_152_630_000,
            previous_shown_ns: 1_335_958_313_152_630_000,
            digits: 6,
        };
        let show = |f: TimeFormat| {
            let mut s = String::new();
            f.write(&mut s, &t);
            s
        };
        assert_eq!(show(TimeFormat::A), "11:31:57.529201");
        assert_eq!(show(TimeFormat::Ud), "2012-05-02 11:31:57.529201");
        assert_eq!(show(TimeFormat::R), "4.376571");
        assert_eq!(show(TimeFormat::E), "1335958317.529201");
    }
}
