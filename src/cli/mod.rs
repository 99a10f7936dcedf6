//! `wirelens` on the command line: headless subcommands that print what the
//! GUI shows, for scripts and tests.

mod bench;
pub mod capture;
mod dataset;
pub mod dns;
pub mod export;
pub mod fields;
pub mod flows;
mod frame_sinks;
mod hex_dump;
pub use fields::FieldsArgs;
pub mod follow;
mod follow_layout;
pub mod grpc;
pub mod http;
pub mod http2;
mod json_tree;
mod label_fit;
mod live_packets;
mod matched;
mod packets;
pub mod quic;
pub mod sse;
mod stats;
mod summary;
mod tcp;
pub mod time_column;
pub mod tls;
mod tshark_fields;
mod verbose_tree;
pub mod websocket;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::capture::CaptureFile;

#[derive(Debug, Parser)]
#[command(
    name = "wirelens",
    version,
    about = "Packet analyzer and traffic visualizer",
    long_about = "Packet analyzer and traffic visualizer.\n\nWith no subcommand, starts the desktop app (on FILE, or on the bundled sample).",
    subcommand_precedence_over_arg = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Capture file to open in the desktop app.
    pub file: Option<PathBuf>,
    /// Interface to capture on in the app (with -k, start at once).
    #[arg(short = 'i', long = "interface")]
    pub interface: Option<String>,
    /// Capture filter (BPF) for -i.
    #[arg(short = 'f', long = "capture-filter")]
    pub capture_filter: Option<String>,
    /// Start capturing on -i at once, as Wireshark's -k.
    #[arg(short = 'k', requires = "interface")]
    pub start: bool,
    /// Display filter to apply once open.
    #[arg(short = 'Y', long = "display-filter")]
    pub display_filter: Option<String>,
    /// Packet number to select once loaded.
    #[arg(short = 'g', long = "goto")]
    pub goto: Option<u32>,
    /// Memory for the analysis' per-conversation state (reassembly,
    /// application state), in MiB: past it the longest-idle conversations
    /// let theirs go, each saying so (default 1024; the app's setting).
    #[arg(long = "memory-limit", value_name = "MIB", global = true)]
    pub memory_limit: Option<u64>,
    /// Decode As, in tshark's spelling: `-d tcp.port==8443,http2`
    /// (also `udp.port`, port ranges `8000-8100` or `8000:3`,
    /// `ethertype==0x8847,mpls`); repeat for more rules.
    #[arg(short = 'd', long = "decode-as", value_name = "RULE", global = true)]
    pub decode_as: Vec<String>,
    /// A preference, in tshark's spelling: `-o tls.keylog_file:PATH`
    /// decrypts TLS with a key log (SSLKEYLOGFILE); others are ignored
    /// with a warning.
    #[arg(short = 'o', value_name = "NAME:VALUE", global = true)]
    pub prefs: Vec<String>,
    /// TLS key log (the NSS format curl, browsers, Go, rustls and OpenSSL
    /// write to SSLKEYLOGFILE) to decrypt TLS with.
    #[arg(long = "keylog", value_name = "PATH", global = true)]
    pub keylog: Option<PathBuf>,
}

impl Cli {
    /// The key log file `--keylog` or `-o tls.keylog_file:` names (the
    /// last given), and warnings for preferences we do not have.
    pub fn keylog_file(&self) -> (Option<PathBuf>, Vec<String>) {
        let mut file = None;
        let mut warnings = Vec::new();
        for pref in &self.prefs {
            match pref.split_once(':') {
                Some(("tls.keylog_file" | "ssl.keylog_file", path)) => {
                    file = (!path.is_empty()).then(|| PathBuf::from(path));
                }
                _ => warnings.push(format!("-o {pref}: no such preference here, ignored")),
            }
        }
        (self.keylog.clone().or(file), warnings)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One row (or JSON object) per packet: number, time, addresses, protocol, length, Info, layers.
    Packets(PacketsArgs),
    /// TCP and UDP conversations with frames, bytes and payload each way.
    Flows(FlowsArgs),
    /// File format, link types, counts, times, warnings and the protocol hierarchy.
    Summary(SummaryArgs),
    /// Per TCP connection: handshake, options, end state, analysis counts, RTTs; or one connection's time series.
    Tcp(TcpArgs),
    /// A TCP conversation's reassembled payload, like tshark -z follow,tcp.
    Follow(FollowArgs),
    /// DNS transactions: query, response, answers, response time.
    Dns(AppArgs),
    /// TLS handshakes per TCP connection: SNI, ALPN, version, cipher, messages, JA3/JA4.
    Tls(AppArgs),
    /// HTTP/1.x requests with their responses; with --timing, every
    /// HTTP/1.x and HTTP/2 request's phases in curl's terms.
    Http(http::HttpArgs),
    /// gRPC calls: status, messages each way, duration, deadline.
    Grpc(AppArgs),
    /// Server-Sent Event streams: each event with its frame and time, time to first event, gaps.
    Sse(AppArgs),
    /// WebSocket connections: handshake, extensions, messages each way (joined and inflated).
    Websocket(AppArgs),
    /// HTTP/2 per connection: frame counts per type and direction, settings, streams.
    Http2(AppArgs),
    /// QUIC per connection: version, SNI, ALPN offered and chosen, packets, frames and HTTP/3 frames by type, handshake time, close.
    Quic(quic::QuicArgs),
    /// Load a capture as the app does and report time and memory.
    Bench(BenchArgs),
    /// Interfaces libpcap can capture on: name, description, flags, link type, addresses.
    Interfaces(capture::InterfacesArgs),
    /// Capture live traffic to a file (pcapng, or pcap by extension), like dumpcap.
    Capture(capture::CaptureArgs),
    /// Write the packets a display filter matches to a new capture file.
    Export(export::ExportArgs),
    /// Every display-filter name: protocols, fields and expert items, with type and description.
    Fields(FieldsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrCsvOrJson {
    Text,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeriesArg {
    /// ACK RTT samples.
    Rtt,
    /// Payload bytes per interval, per direction.
    Throughput,
    /// Calculated receive window advertised by each side.
    Window,
    /// Bytes in flight after each data segment.
    Inflight,
    /// Stevens/tcptrace data: sequence, length, ACK, window, SACK blocks per segment.
    Seq,
}

#[derive(Debug, clap::Args)]
pub struct TcpArgs {
    pub file: PathBuf,
    /// Only connections with at least one packet matching this display filter.
    #[arg(short = 'Y', long = "display-filter")]
    pub filter: Option<String>,
    /// Only this tcp.stream.
    #[arg(long)]
    pub stream: Option<u32>,
    /// A time series of the stream (needs --stream) instead of the summary.
    #[arg(long, value_enum)]
    pub series: Option<SeriesArg>,
    /// Bin width in seconds for --series throughput.
    #[arg(long, default_value_t = 0.1)]
    pub interval: f64,
    /// text or json for the summary; csv (default) or json for --series.
    #[arg(long, value_enum)]
    pub format: Option<TextOrCsvOrJson>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FollowFormat {
    Ascii,
    Hex,
    Raw,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    Both,
    A,
    B,
}

#[derive(Debug, clap::Args)]
pub struct FollowArgs {
    pub file: PathBuf,
    #[arg(long)]
    pub stream: u32,
    #[arg(long, value_enum, default_value_t = FollowFormat::Ascii)]
    pub format: FollowFormat,
    /// Which side's bytes: both (interleaved as sent), a (the first packet's source) or b.
    #[arg(long, value_enum, default_value_t = DirectionArg::Both)]
    pub direction: DirectionArg,
    /// The decrypted application data of the connection's TLS records
    /// instead (tshark's `-z follow,tls`; needs a key log).
    #[arg(long)]
    pub tls: bool,
    /// The HTTP/3 request streams of QUIC connection `--stream`
    /// (`quic.connection.number`, which follows a connection that moves to
    /// new addresses) instead, as Follow HTTP/3 Stream shows them: headers
    /// (QPACK-decoded) and bodies (needs a key log). Text, or json.
    #[arg(long, conflicts_with = "tls")]
    pub http3: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalysisArg {
    /// Conversations only.
    Flows,
    /// Conversations and the full TCP analysis.
    Full,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = AnalysisArg::Full)]
    pub analysis: AnalysisArg,
    /// After loading (keeping each frame's tape, as the app does), time this
    /// display filter over every packet on all cores; repeatable.
    #[arg(short = 'Y', long = "display-filter")]
    pub filters: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvOrJson {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtoArg {
    Tcp,
    Udp,
}

#[derive(Debug, clap::Args)]
pub struct PacketsArgs {
    /// The capture; `-` reads a pcap or pcapng stream from standard input
    /// (`tcpdump -w - | wirelens packets -r -`).
    #[arg(required_unless_present_any = ["read", "live_interface"])]
    pub file: Option<PathBuf>,
    /// Capture on this interface and print packets as they arrive, as
    /// tshark's `-i` (Ctrl+C, `-c` or `-a` ends it).
    #[arg(short = 'i', value_name = "INTERFACE", conflicts_with_all = ["file", "read"])]
    pub live_interface: Option<String>,
    /// With `-i`: a capture filter (BPF, as tcpdump).
    #[arg(short = 'f', value_name = "FILTER", requires = "live_interface")]
    pub capture_filter: Option<String>,
    /// With `-i`: stop after `duration:SECONDS`, as tshark's `-a`.
    #[arg(short = 'a', value_name = "CONDITION", requires = "live_interface",
          value_parser = capture::parse_autostop)]
    pub autostop: Option<std::time::Duration>,
    /// The capture, as tshark's `-r`.
    #[arg(short = 'r', value_name = "FILE", conflicts_with = "file")]
    pub read: Option<PathBuf>,
    /// wirelens' own layouts: text (the packet list) or json (a compact
    /// row per packet). tshark's `-T fields` is `-T`.
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Only packets matching this display filter (Wireshark's syntax).
    #[arg(short = 'Y', long = "display-filter")]
    pub filter: Option<String>,
    /// Read at most N packets (as tshark's `-c`: counted before `-Y`).
    #[arg(short = 'c', value_name = "N")]
    pub count: Option<u64>,
    /// No name resolution (wirelens never resolves names; accepted for
    /// tshark's scripts).
    #[arg(short = 'n')]
    pub no_resolution: bool,
    /// tshark's output formats: `fields` (the `-e` fields, one line per
    /// packet), `json` (each packet's details tree as tshark's JSON) or
    /// `text` (the packet list).
    #[arg(short = 'T', value_enum, value_name = "FORMAT")]
    pub output: Option<TsharkFormat>,
    /// A field for `-T fields`, by its display-filter name (`ip.src`), a
    /// protocol (its layer's label) or a column (`_ws.col.Info`);
    /// repeatable.
    #[arg(short = 'e', value_name = "FIELD")]
    pub fields: Vec<String>,
    /// A `-T fields` layout option, as tshark's: `header=y|n`,
    /// `separator=/t|/s|C`, `occurrence=f|l|a`, `aggregator=/s|C`,
    /// `quote=d|s|n`; repeatable.
    #[arg(short = 'E', value_name = "OPTION=VALUE")]
    pub field_options: Vec<String>,
    /// Each packet's bytes in hex and ASCII, with its reassembled,
    /// decrypted and decompressed data after them (tshark's `-x`).
    #[arg(short = 'x', conflicts_with = "output")]
    pub hex: bool,
    /// Each packet's details tree as text, indented as tshark's `-V`.
    #[arg(short = 'V', conflicts_with = "output")]
    pub verbose: bool,
    /// As `-V`, but only these protocols' details (comma-separated filter
    /// names: `-O tcp,http`); every other layer shows its title line
    /// alone, as tshark's `-O`.
    #[arg(
        short = 'O',
        value_name = "PROTOCOLS",
        value_delimiter = ',',
        conflicts_with = "output"
    )]
    pub only_details: Vec<String>,
    /// The format of the Time column (the packet list's, `-T fields`'
    /// `_ws.col.Time`), as tshark's `-t`: a (time of day), ad
    /// (date and time), r (since the first packet, the default), d (since
    /// the previous packet), dd (since the previous one shown), e (epoch),
    /// u, ud (as a, ad: wirelens shows absolute times in UTC).
    #[arg(short = 't', value_enum, default_value_t = time_column::TimeFormat::R)]
    pub time_format: time_column::TimeFormat,
    /// A statistic, in tshark's spelling and layout, printed after the
    /// packets: `conv,eth|ip|ipv6|tcp|udp[,FILTER]`,
    /// `endpoints,eth|ip|ipv6|tcp|udp[,FILTER]`, `io,phs[,FILTER]`,
    /// `io,stat,INTERVAL[,COLUMN...]` (a column is a filter or
    /// `COUNT|SUM|MIN|MAX|AVG(FIELD)FILTER`), `expert[,LEVEL][,FILTER]`,
    /// `follow,tcp|udp|tls,ascii|hex|raw|yaml,STREAM[,RANGE]` (or two
    /// `ADDRESS:PORT` for STREAM); repeatable (printed last first, as
    /// tshark). Counts every packet read, whatever `-Y` shows.
    #[arg(short = 'z', value_name = "STATISTIC")]
    pub statistics: Vec<String>,
    /// Print no packets (with `-z`, only the statistics), as tshark's `-q`.
    #[arg(short = 'q')]
    pub quiet: bool,
}

/// tshark's `-T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TsharkFormat {
    Fields,
    Json,
    Text,
}

impl PacketsArgs {
    /// Whether each packet's details tree is printed as text (`-V`, or `-O`
    /// which implies it).
    pub fn details(&self) -> bool {
        self.verbose || !self.only_details.is_empty()
    }

    /// The capture named, by `-r` or in place.
    pub fn path(&self) -> &Path {
        self.read
            .as_deref()
            .or(self.file.as_deref())
            .unwrap_or(Path::new("-"))
    }
}

#[derive(Debug, clap::Args)]
pub struct AppArgs {
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
    /// Only what has a packet matching this display filter; totals are
    /// counted over what is kept.
    #[arg(short = 'Y', long = "display-filter")]
    pub filter: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct FlowsArgs {
    pub file: PathBuf,
    /// Only conversations with at least one packet matching this display filter.
    #[arg(short = 'Y', long = "display-filter")]
    pub filter: Option<String>,
    /// Only this protocol's conversations (default: both).
    #[arg(long, value_enum)]
    pub proto: Option<ProtoArg>,
    #[arg(long, value_enum, default_value_t = CsvOrJson::Csv)]
    pub format: CsvOrJson,
}

#[derive(Debug, clap::Args)]
pub struct SummaryArgs {
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

/// A failure to report: one line on stderr, exit status 1.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::error::Error> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

pub fn run(cmd: Command) -> Result<(), CliError> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let r = match cmd {
        Command::Packets(a) => packets::run(&a, &mut out),
        Command::Flows(a) => flows::run(&a, &mut out),
        Command::Summary(a) => summary::run(&a, &mut out),
        Command::Bench(a) => bench::run(&a, &mut out),
        Command::Tcp(mut a) => {
            a.format = Some(a.format.unwrap_or(if a.series.is_some() {
                TextOrCsvOrJson::Csv
            } else {
                TextOrCsvOrJson::Text
            }));
            tcp::run(&a, &mut out)
        }
        Command::Follow(a) => follow::run(&a, &mut out),
        Command::Dns(a) => dns::run(&a, &mut out),
        Command::Tls(a) => tls::run(&a, &mut out),
        Command::Http(a) => http::run(&a, &mut out),
        Command::Http2(a) => http2::run(&a, &mut out),
        Command::Grpc(a) => grpc::run(&a, &mut out),
        Command::Sse(a) => sse::run(&a, &mut out),
        Command::Websocket(a) => websocket::run(&a, &mut out),
        Command::Quic(a) => quic::run(&a, &mut out),
        Command::Interfaces(a) => capture::interfaces(&a, &mut out),
        Command::Capture(a) => capture::capture(&a),
        Command::Export(a) => export::run(&a),
        Command::Fields(a) => fields::run(&a, &mut out),
    };
    match (r, out.flush()) {
        (Err(e), _) => Err(e),
        // A closed pipe (`| head`) is not an error worth reporting.
        (Ok(()), Err(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        (Ok(()), r) => r.map_err(CliError::from),
    }
}

/// Compiles `-Y`'s filter; the error shows where it is wrong, as tshark does.
pub(crate) fn display_filter(
    text: Option<&str>,
) -> Result<Option<crate::filter::DisplayFilter>, CliError> {
    text.map(|t| crate::filter::DisplayFilter::compile(t).map_err(|e| CliError(e.render(t))))
        .transpose()
}

pub(crate) fn open(path: &Path) -> Result<Arc<CaptureFile>, CliError> {
    CaptureFile::open(path)
        .map(Arc::new)
        .map_err(|e| CliError(e.to_string()))
}

/// `path`, or for `-` the pcap or pcapng stream on standard input, read
/// whole first.
pub(crate) fn open_or_stdin(path: &Path) -> Result<Arc<CaptureFile>, CliError> {
    if path != Path::new("-") {
        return open(path);
    }
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut io::stdin().lock(), &mut bytes)
        .map_err(|e| CliError(format!("standard input: {e}")))?;
    CaptureFile::from_bytes(path.to_owned(), crate::capture::file::Bytes::Owned(bytes))
        .map(Arc::new)
        .map_err(|e| CliError(e.to_string()))
}

/// An application-protocol subcommand: its summary of the capture as JSON,
/// or as `text` writes it; then where reading stopped, if it did.
pub(crate) fn run_summary(
    a: &AppArgs,
    section: &str,
    out: &mut impl Write,
    summary: fn(&CaptureFile) -> (serde_json::Value, crate::capture::ReadNotes),
    text: fn(&serde_json::Value, &mut dyn Write) -> io::Result<()>,
) -> Result<(), CliError> {
    let filter = display_filter(a.filter.as_deref())?;
    let file = open(&a.file)?;
    let (mut v, notes) = summary(&file);
    if let Some(f) = &filter {
        let (m, _) = matched::Matched::find(&file, f);
        m.restrict(section, &mut v);
    }
    match a.format {
        TextOrJson::Json => {
            serde_json::to_writer_pretty(&mut *out, &v).map_err(io::Error::other)?;
            writeln!(out)?;
        }
        TextOrJson::Text => text(&v, out)?,
    }
    warn_read(&a.file, &notes);
    Ok(())
}

/// Reports what the reader noted (times it could not take as given, where
/// reading stopped), as warnings: the packets before a stop were used.
pub(crate) fn warn_read(path: &Path, notes: &crate::capture::ReadNotes) {
    for line in notes.lines() {
        eprintln!("wirelens: warning: {}: {line}", path.display());
    }
}

/// Writes `ns` as seconds with `digits` fractional digits.
pub(crate) fn epoch_string(ns: i64, digits: u32) -> String {
    let mut s = String::new();
    let _ = dissectors::field::write_epoch(&mut s, ns, digits);
    s
}

/// Seconds as an f64 with nanosecond precision (for JSON).
pub(crate) use crate::store::tcp_series::secs;

pub(crate) use crate::report::JsonArray;
