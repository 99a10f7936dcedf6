//! Packet comments (pcapng `opt_comment`), kept for the few frames that
//! have them: the app's details tree and display filters (`frame.comment`)
//! see them as the load pass did.

use std::sync::Arc;

use super::log::{AppendLog, LogView};

/// Frame number (1-based) and its comments, in frame order.
pub type FrameComments = (u32, Arc<[String]>);

#[derive(Debug, Clone, Default)]
pub struct CommentLog(AppendLog<FrameComments>);

impl CommentLog {
    /// Frame `number`'s comments; frames come in increasing order.
    pub fn push(&mut self, number: u32, comments: &[String]) {
        if !comments.is_empty() {
            self.0.push((number, comments.into()));
        }
    }

    pub fn snapshot(&self) -> Comments {
        Comments(self.0.snapshot())
    }

    pub fn finish(self) -> Comments {
        Comments(self.0.finish())
    }
}

/// The comments of the frames so far.
#[derive(Debug, Clone, Default)]
pub struct Comments(LogView<FrameComments>);

impl Comments {
    /// Frame `number`'s comments (none for most frames), by binary search.
    pub fn of(&self, number: u32) -> &[String] {
        let (mut lo, mut hi) = (0, self.0.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.0.get(mid) {
                Some((n, _)) if *n < number => lo = mid + 1,
                _ => hi = mid,
            }
        }
        match self.0.get(lo) {
            Some((n, c)) if *n == number => c,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_by_frame_and_absent_elsewhere() {
        let mut log = CommentLog::default();
        for n in (3..40_000).step_by(7) {
            log.push(n, &[format!("frame {n}")]);
        }
        log.push(40_001, &[]);
        let comments = log.snapshot();
        assert_eq!(comments.of(10), ["frame 10"]);
        assert_eq!(comments.of(39_994), ["frame 39994"]);
        assert!(comments.of(11).is_empty());
        assert!(comments.of(0).is_empty());
        assert!(comments.of(40_001).is_empty());
    }
}
