//! One pass of dissection and analysis over frames in capture order: the
//! same code serves loading (nothing kept but the index), the command line
//! (columns), the golden tests (full trees) and the store's own passes over
//! one conversation (Follow HTTP/2 Stream). It sits just above `capture`,
//! below the store, so that both the store and the pipeline may run one.

use dissectors::analysis::{Analyzer, FrameAnswers};
use dissectors::packet::{FrameMeta, Options, PacketInfo};
use dissectors::sink::Sink;
use dissectors::tape::{BlobRecorder, Recorder};
use dissectors::tls::keylog::KeyLog;

use crate::capture::{Interface, Record};

/// The memory ceiling for the analysis' per-conversation state, for every
/// pass this process starts (the command line's `--memory-limit`, the
/// app's setting); dissectors::analysis says what happens past it.
static STATE_LIMIT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(dissectors::analysis::DEFAULT_STATE_LIMIT);

pub fn set_state_limit(bytes: usize) {
    STATE_LIMIT.store(bytes.max(1), std::sync::atomic::Ordering::Relaxed);
}

pub fn state_limit() -> usize {
    STATE_LIMIT.load(std::sync::atomic::Ordering::Relaxed)
}

/// The Decode As rules every pass and re-dissection of this process uses
/// (`-d` on the command line, the app's Decode As window): a frame
/// dissected again must come out as it did in the pass.
/// Each set leaks its rules (a few hundred bytes, once per user action)
/// so that dissection options carry a `&'static` and stay small.
static DECODE_AS: std::sync::RwLock<&'static dissectors::decode_as::DecodeAs> =
    std::sync::RwLock::new(&dissectors::decode_as::DecodeAs::EMPTY);

pub fn set_decode_as(rules: dissectors::decode_as::DecodeAs) {
    let leaked: &'static dissectors::decode_as::DecodeAs = if rules.is_empty() {
        &dissectors::decode_as::DecodeAs::EMPTY
    } else {
        Box::leak(Box::new(rules))
    };
    *DECODE_AS.write().unwrap_or_else(|e| e.into_inner()) = leaked;
}

pub fn decode_as() -> &'static dissectors::decode_as::DecodeAs {
    *DECODE_AS.read().unwrap_or_else(|e| e.into_inner())
}

/// Decode As rules from their tshark spelling (`-d`, the settings): the
/// first bad one is named.
pub fn decode_as_rules(args: &[String]) -> Result<dissectors::decode_as::DecodeAs, String> {
    let mut rules = dissectors::decode_as::DecodeAs::default();
    for arg in args {
        let rule =
            dissectors::registry::decode_as_rule(arg).map_err(|e| format!("-d {arg}: {e}"))?;
        rules.push(rule)?;
    }
    Ok(rules)
}

/// The TLS secrets every pass of this process decrypts with (`--keylog`,
/// `-o tls.keylog_file:`, the app's setting). Passes keep what they were
/// started with; re-dissection reads the plaintext from the tapes.
static KEYS: std::sync::RwLock<Option<std::sync::Arc<KeyLog>>> = std::sync::RwLock::new(None);

pub fn set_keys(keys: Option<std::sync::Arc<KeyLog>>) {
    *KEYS.write().unwrap_or_else(|e| e.into_inner()) = keys;
    KEYS_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Counts changes of the process' key log (a running pass takes a new one).
static KEYS_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn keys_generation() -> u64 {
    KEYS_GENERATION.load(std::sync::atomic::Ordering::Relaxed)
}

pub fn keys() -> Option<std::sync::Arc<KeyLog>> {
    KEYS.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Reads a key log file: its secrets, and each line it could not read
/// (by number). A file that cannot be read is an error.
pub fn read_keylog(path: &std::path::Path) -> Result<(KeyLog, Vec<String>), String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (log, errors) = KeyLog::parse(&text);
    let errors = errors
        .iter()
        .map(|e| format!("{}: {e}, skipped", path.display()))
        .collect();
    Ok((log, errors))
}

/// Dissection options with this process' Decode As rules.
pub fn options(columns: bool) -> Options {
    Options {
        columns,
        decode_as: decode_as(),
        ..Options::default()
    }
}

/// Which frames the caller displays, as `frame.time_delta_displayed`
/// counts from the last of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Displayed {
    /// Every frame (no display filter).
    Every,
    /// Only those a display filter passes: the time of the last one so
    /// far (none yet: the next frame counts from itself, as tshark's).
    LastShown(Option<i64>),
}

pub struct Pass {
    pub analyzer: Analyzer,
    /// The Decode As rules in force when the pass began: every frame of
    /// it is dissected under them, whatever options its caller passes.
    decode_as: &'static dissectors::decode_as::DecodeAs,
    pi: PacketInfo,
    number: u32,
    first_ts: Option<i64>,
    prev_ts: i64,
    /// The source describes its interfaces (pcapng).
    pub interfaces_described: bool,
    /// Write the analysis' answers for each frame onto [`Pass::tape`], for
    /// dissecting the frame again on its own later (dissectors::tape).
    pub record: bool,
    /// The last frame's tape (when recording).
    pub tape: Vec<u8>,
    /// The blob log the tapes refer to: what the last frame added is
    /// `blobs.new_bytes()`.
    pub blobs: BlobRecorder,
    /// The last frame's metadata as the dissectors saw it.
    pub last_meta: FrameMeta,
    /// Which frames are displayed, for `frame.time_delta_displayed`.
    pub displayed: Displayed,
    /// Bytes of the source's Decryption Secrets Blocks already taken.
    secrets_taken: usize,
}

impl Pass {
    /// A pass that analyses TCP (or not) and no application protocol.
    pub fn without_applications(analyze_tcp: bool) -> Self {
        let mut pass = Pass::new(analyze_tcp);
        pass.analyzer.set_analyze_apps(false);
        pass
    }

    /// `analyze_tcp`: run the full TCP sequence analysis.
    pub fn new(analyze_tcp: bool) -> Self {
        let mut analyzer = Analyzer::new(analyze_tcp);
        analyzer.set_state_limit(state_limit());
        let rules = decode_as();
        analyzer.set_decode_as(*rules);
        analyzer.set_keys(keys());
        Pass {
            analyzer,
            decode_as: rules,
            pi: PacketInfo::default(),
            number: 0,
            first_ts: None,
            prev_ts: 0,
            interfaces_described: false,
            record: false,
            tape: Vec::new(),
            blobs: BlobRecorder::default(),
            last_meta: FrameMeta::default(),
            displayed: Displayed::Every,
            secrets_taken: 0,
        }
    }

    /// Takes the TLS secrets a source has read so far (its Decryption
    /// Secrets Blocks, `Reader::tls_secrets`) that this pass has not: call
    /// before each frame.
    pub fn take_secrets(&mut self, secrets: &[u8]) {
        if secrets.len() > self.secrets_taken {
            self.analyzer.add_key_text(&secrets[self.secrets_taken..]);
            self.secrets_taken = secrets.len();
        }
    }

    /// Number the next frame and dissect it.
    pub fn frame<S: Sink>(
        &mut self,
        rec: &Record,
        iface: Option<&Interface>,
        data: &[u8],
        opts: Options,
        sink: &mut S,
    ) -> (&PacketInfo, &FrameAnswers) {
        let opts = Options {
            decode_as: self.decode_as,
            ..opts
        };
        self.number += 1;
        let first = *self.first_ts.get_or_insert(rec.ts_ns);
        let delta_ns = if self.number == 1 {
            0
        } else {
            rec.ts_ns.saturating_sub(self.prev_ts)
        };
        let meta = FrameMeta {
            number: self.number,
            ts_ns: rec.ts_ns,
            orig_len: rec.orig_len,
            linktype: iface.map_or(0, |i| i.linktype),
            interface: iface.map_or(rec.interface, |i| i.index_in_section),
            interface_known: self.interfaces_described,
            has_ts: rec.has_ts,
            // Times come from the file: far apart, their difference would
            // not fit (saturated, never wrapped).
            rel_ns: rec.ts_ns.saturating_sub(first),
            delta_ns,
            delta_displayed_ns: match self.displayed {
                Displayed::Every => delta_ns,
                Displayed::LastShown(at) => rec.ts_ns.saturating_sub(at.unwrap_or(rec.ts_ns)),
            },
        };
        self.prev_ts = rec.ts_ns;
        self.analyzer.begin_frame();
        let comments: Vec<&str> = rec.comments.iter().map(String::as_str).collect();
        let file = crate::capture::frame_file(iface, &comments, rec.flags);
        self.tape.clear();
        self.blobs.begin_frame();
        if self.record {
            let mut recorder = Recorder {
                inner: &mut self.analyzer,
                tape: &mut self.tape,
                blobs: &mut self.blobs,
            };
            dissectors::dissect_frame(&meta, data, &file, &mut recorder, opts, sink, &mut self.pi);
        } else {
            dissectors::dissect_frame(
                &meta,
                data,
                &file,
                &mut self.analyzer,
                opts,
                sink,
                &mut self.pi,
            );
        }
        self.last_meta = meta;
        self.analyzer.end_frame(&self.pi);
        (&self.pi, &self.analyzer.frame)
    }

    pub fn frames(&self) -> u32 {
        self.number
    }

    pub fn first_ts(&self) -> Option<i64> {
        self.first_ts
    }
}
