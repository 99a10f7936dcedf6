//! Packet times from what a capture file says: ticks in an interface's
//! resolution plus its offset, converted with checked arithmetic. Every
//! value comes from the file, so any of them may be hostile; a time that
//! does not fit in i64 nanoseconds (before 1677 or after 2262) is never
//! wrapped: the caller gets an error to report and a value that does fit.

/// Timestamp units of an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsResolution {
    /// 10^-n seconds.
    Decimal(u8),
    /// 2^-n seconds.
    Binary(u8),
}

impl TsResolution {
    pub fn from_pcapng(v: u8) -> Self {
        if v & 0x80 == 0 {
            TsResolution::Decimal(v)
        } else {
            TsResolution::Binary(v & 0x7f)
        }
    }

    /// Digits after the decimal point when printing times of this resolution.
    pub fn digits(self) -> u32 {
        match self {
            TsResolution::Decimal(n) => u32::from(n).min(9),
            TsResolution::Binary(_) => 9,
        }
    }

    /// `ticks` in nanoseconds, or `None` when that is past i64::MAX.
    pub fn to_ns(self, ticks: u64) -> Option<i64> {
        let ns: u128 = match self {
            TsResolution::Decimal(n) if n <= 9 => u128::from(ticks) * 10u128.pow(9 - u32::from(n)),
            TsResolution::Decimal(n) => u128::from(ticks) / 10u128.pow(u32::from(n).min(38) - 9),
            TsResolution::Binary(n) => (u128::from(ticks) * 1_000_000_000) >> n.min(127),
        };
        i64::try_from(ns).ok()
    }
}

/// Why a packet's time could not be taken as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeProblem {
    /// The ticks alone are past 2262; the latest representable time is used.
    TicksTooLarge { ticks: u64 },
    /// The interface's offset takes the time out of range; it is ignored.
    OffsetOutOfRange { offset_s: i64 },
}

impl std::fmt::Display for TimeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeProblem::TicksTooLarge { ticks } => write!(
                f,
                "timestamp {ticks} is later than the year 2262, which nanosecond times cannot \
                 hold: the latest representable time is shown"
            ),
            TimeProblem::OffsetOutOfRange { offset_s } => write!(
                f,
                "if_tsoffset of {offset_s} s takes the time outside the years 1677-2262, which \
                 nanosecond times can hold: the offset is ignored"
            ),
        }
    }
}

/// The time of a packet stamped `ticks` at `resolution` on an interface
/// whose clock is `offset_s` seconds off, in ns since the epoch.
pub fn packet_time(
    resolution: TsResolution,
    offset_s: i64,
    ticks: u64,
) -> (i64, Option<TimeProblem>) {
    let Some(raw) = resolution.to_ns(ticks) else {
        return (i64::MAX, Some(TimeProblem::TicksTooLarge { ticks }));
    };
    match offset_s
        .checked_mul(1_000_000_000)
        .and_then(|o| raw.checked_add(o))
    {
        Some(t) => (t, None),
        None => (raw, Some(TimeProblem::OffsetOutOfRange { offset_s })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_convert_to_nanoseconds() {
        assert_eq!(TsResolution::Binary(10).to_ns(1024), Some(1_000_000_000));
        assert_eq!(TsResolution::Decimal(3).to_ns(5), Some(5_000_000));
        assert_eq!(TsResolution::Decimal(12).to_ns(5_000), Some(5));
        assert_eq!(TsResolution::Decimal(9).to_ns(u64::MAX), None);
        assert_eq!(TsResolution::Binary(127).to_ns(u64::MAX), Some(0));
    }

    #[test]
    fn offsets_apply_unless_they_leave_the_range() {
        let us = TsResolution::Decimal(6);
        assert_eq!(packet_time(us, -10, 20_000_000), (10_000_000_000, None));
        for o in [i64::MAX, i64::MIN, 9_300_000_000, -9_300_000_000] {
            let (t, p) = packet_time(us, o, 1_700_000_000_000_000);
            assert_eq!(t, 1_700_000_000_000_000_000, "offset {o}");
            assert_eq!(p, Some(TimeProblem::OffsetOutOfRange { offset_s: o }));
        }
        let (t, p) = packet_time(TsResolution::Decimal(9), 0, u64::MAX);
        assert_eq!(t, i64::MAX);
        assert!(matches!(p, Some(TimeProblem::TicksTooLarge { .. })));
    }
}
