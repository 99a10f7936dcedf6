//! Expert information: what Wireshark's expert system reports (malformed
//! layers, retransmissions, zero windows...), with its severity and group.

/// Severity, ordered from least to most serious (Wireshark's PI_CHAT..PI_ERROR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Comment,
    Chat,
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Comment => "Comment",
            Severity::Chat => "Chat",
            Severity::Note => "Note",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
        }
    }
}

/// What part of the analysis an expert item comes from (Wireshark's PI_* groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    Checksum,
    Sequence,
    ResponseCode,
    RequestCode,
    Undecoded,
    Reassemble,
    Malformed,
    Protocol,
    Comments,
    Decryption,
    Deprecated,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Checksum => "Checksum",
            Group::Sequence => "Sequence",
            Group::ResponseCode => "Response",
            Group::RequestCode => "Request",
            Group::Undecoded => "Undecoded",
            Group::Reassemble => "Reassemble",
            Group::Malformed => "Malformed",
            Group::Protocol => "Protocol",
            Group::Comments => "Comment",
            Group::Decryption => "Decryption",
            Group::Deprecated => "Deprecated",
        }
    }
}

/// One kind of expert item. `name` is its display-filter name
/// (`tcp.analysis.retransmission`, `_ws.malformed`...).
#[derive(Debug)]
pub struct ExpertDef {
    pub name: &'static str,
    pub severity: Severity,
    pub group: Group,
    pub summary: &'static str,
}

impl ExpertDef {
    pub const fn new(
        name: &'static str,
        severity: Severity,
        group: Group,
        summary: &'static str,
    ) -> Self {
        ExpertDef {
            name,
            severity,
            group,
            summary,
        }
    }
}

/// Layers that end early or contradict themselves. Wireshark reports these as
/// `_ws.malformed` (an exception) with severity Error.
pub static MALFORMED: ExpertDef = ExpertDef::new(
    "_ws.malformed",
    Severity::Error,
    Group::Malformed,
    "Malformed Packet",
);

/// Reassembly was refused or given up on: a bound on what one datagram,
/// stream or message may hold was reached (Wireshark's
/// `_ws.malformed.reassembly`, "Reassembly error").
pub static REASSEMBLY_ERROR: ExpertDef = ExpertDef::new(
    "_ws.malformed.reassembly",
    Severity::Error,
    Group::Malformed,
    "Reassembly error",
);

/// The analysis' memory ceiling was reached and this conversation's state
/// (reassembly, application state, segments awaiting ACKs) was let go,
/// the longest-idle conversations first: what follows is analysed as if
/// the capture began here.
pub static STATE_DROPPED: ExpertDef = ExpertDef::new(
    "_ws.memory_limit",
    Severity::Warning,
    Group::Undecoded,
    "Analysis state dropped at the memory limit",
);

/// Captured bytes stop before the layer does (snaplen); Wireshark shows
/// "[Packet size limited during capture]" and does not call it malformed.
pub static SHORT_FRAME: ExpertDef = ExpertDef::new(
    "_ws.short",
    Severity::Note,
    Group::Undecoded,
    "Packet size limited during capture",
);

/// The frame's `ExpertSummary`: the most severe item and how many there were,
/// kept per packet in the index so the list can colour and count without re-dissecting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpertSummary {
    pub max: Option<Severity>,
    pub count: u16,
    pub malformed: bool,
    /// A layer was cut short by the capture's snaplen.
    pub cut: bool,
}

impl ExpertSummary {
    pub fn add(&mut self, def: &ExpertDef) {
        self.count = self.count.saturating_add(1);
        self.max = self.max.max(Some(def.severity));
        if std::ptr::eq(def, &MALFORMED) {
            self.malformed = true;
        }
        if std::ptr::eq(def, &SHORT_FRAME) {
            self.cut = true;
        }
    }
}
