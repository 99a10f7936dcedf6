//! What a pcapng packet block says beside the packet: its comments
//! (`opt_comment`) and flags (`epb_flags`), kept for the frames that have
//! them, so the app's details tree and display filters (`frame.comment`,
//! `frame.p2p_dir`) see them as the load pass did.

use std::sync::Arc;

use super::log::{AppendLog, LogView};

/// A frame's block options.
#[derive(Debug, Clone, Default)]
pub struct PacketOptions {
    pub comments: Arc<[String]>,
    pub flags: Option<u32>,
}

/// Frame number (1-based) and its options, in frame order.
type FrameOptions = (u32, PacketOptions);

#[derive(Debug, Clone, Default)]
pub struct OptionLog(AppendLog<FrameOptions>);

impl OptionLog {
    /// Frame `number`'s options; frames come in increasing order.
    pub fn push(&mut self, number: u32, comments: &[String], flags: Option<u32>) {
        if !comments.is_empty() || flags.is_some() {
            let comments = comments.into();
            self.0.push((number, PacketOptions { comments, flags }));
        }
    }

    pub fn snapshot(&self) -> BlockOptions {
        BlockOptions(self.0.snapshot())
    }

    pub fn finish(self) -> BlockOptions {
        BlockOptions(self.0.finish())
    }
}

/// The options of the frames so far.
#[derive(Debug, Clone, Default)]
pub struct BlockOptions(LogView<FrameOptions>);

impl BlockOptions {
    /// Frame `number`'s options (none for most frames), by binary search.
    pub fn of(&self, number: u32) -> Option<&PacketOptions> {
        let (mut lo, mut hi) = (0, self.0.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.0.get(mid) {
                Some((n, _)) if *n < number => lo = mid + 1,
                _ => hi = mid,
            }
        }
        match self.0.get(lo) {
            Some((n, o)) if *n == number => Some(o),
            _ => None,
        }
    }

    /// Frame `number`'s comments.
    pub fn comments(&self, number: u32) -> &[String] {
        self.of(number).map_or(&[], |o| &o.comments)
    }

    /// Frame `number`'s flags.
    pub fn flags(&self, number: u32) -> Option<u32> {
        self.of(number).and_then(|o| o.flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_found_by_frame_and_absent_elsewhere() {
        let mut log = OptionLog::default();
        for n in (3..40_000).step_by(7) {
            log.push(n, &[format!("frame {n}")], None);
        }
        log.push(40_001, &[], None);
        log.push(40_002, &[], Some(2));
        let options = log.snapshot();
        assert_eq!(options.comments(10), ["frame 10"]);
        assert_eq!(options.comments(39_994), ["frame 39994"]);
        assert!(options.comments(11).is_empty());
        assert!(options.comments(0).is_empty());
        assert!(options.of(40_001).is_none());
        assert_eq!(options.flags(40_002), Some(2));
        assert!(options.comments(40_002).is_empty());
        assert_eq!(options.flags(10), None);
    }
}
