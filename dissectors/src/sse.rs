//! Server-Sent Events: a `text/event-stream` body as its events, by the
//! WHATWG HTML standard's "Interpreting an event stream": lines end in CRLF,
//! LF or CR; a line opening with `:` is a comment; `event` names the type,
//! `data` lines are joined with "\n", `id` sets the last event id (kept
//! for the events after it), `retry` (digits only) the reconnection time;
//! an empty line dispatches the event, unless it has no data. Tshark 4.0
//! has no SSE dissector (it shows such a body as `media`).
//!
//! [`EventStream`] reads a stream fed in pieces, as it arrives (what
//! `wirelens sse` times); [`dissect`] shows a whole body's events.

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, Cx};
use crate::proto;
use crate::sink::Sink;

pub const MEDIA_TYPES: &[&str] = &["text/event-stream"];

crate::fields! {
    EVENT = FieldDef::new("sse.event", "Event", T::String);
    DATA = FieldDef::new("sse.data", "Data", T::String);
    ID = FieldDef::new("sse.id", "Last event ID", T::String);
    RETRY = FieldDef::new("sse.retry", "Reconnection time (ms)", T::U64);
    COMMENT = FieldDef::new("sse.comment", "Comment", T::String);
    FIELD = FieldDef::new("sse.field", "Field", T::String);
    EVENTS = FieldDef::new("sse.events", "Events", T::U32);
}

/// A line kept at most this long (the rest is dropped): a hostile stream
/// cannot make us hold more.
pub const MAX_LINE: usize = 64 << 10;
/// An event's data kept at most this long.
pub const MAX_DATA: usize = 1 << 20;
/// Events shown per body in the details tree; all are counted.
const MAX_SHOWN: usize = 1024;

/// A dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `event:`'s value, "message" when none.
    pub kind: String,
    pub data: String,
    /// The last event id in force.
    pub id: String,
    /// A `retry:` given since the event before (in this event's block or a
    /// block without data before it).
    pub retry: Option<u64>,
    /// Data beyond [`MAX_DATA`] or a line beyond [`MAX_LINE`] was dropped.
    pub cut: bool,
}

/// What one line of the stream means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// The empty line: dispatch.
    Blank,
    Comment(&'a [u8]),
    /// A field's name and value (the value's one leading space removed).
    Field(&'a [u8], &'a [u8]),
}

impl<'a> Line<'a> {
    /// The meaning of `line` (without its terminator).
    pub fn of(line: &'a [u8]) -> Self {
        if line.is_empty() {
            return Line::Blank;
        }
        if let Some(rest) = line.strip_prefix(b":") {
            return Line::Comment(rest);
        }
        match line.iter().position(|&c| c == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                Line::Field(&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => Line::Field(line, b""),
        }
    }
}

/// The buffers the standard keeps between lines: an event being built, and
/// the last event id, which outlives it.
#[derive(Debug, Default, Clone)]
pub struct EventBuilder {
    kind: Vec<u8>,
    data: Vec<u8>,
    has_data: bool,
    last_id: Vec<u8>,
    retry: Option<u64>,
    cut: bool,
}

impl EventBuilder {
    /// Takes one line; the event it dispatches, if it does.
    pub fn line(&mut self, line: Line<'_>) -> Option<Event> {
        match line {
            Line::Blank => return self.dispatch(),
            Line::Comment(_) => {}
            Line::Field(b"event", v) => self.kind = bounded(v),
            Line::Field(b"data", v) => {
                if self.data.len() + v.len() + 1 > MAX_DATA {
                    self.cut = true;
                } else {
                    self.data.extend_from_slice(v);
                    self.data.push(b'\n');
                }
                self.has_data = true;
            }
            Line::Field(b"id", v) if !v.contains(&0) => self.last_id = bounded(v),
            Line::Field(b"retry", v) => {
                if let Some(ms) = retry_value(v) {
                    self.retry = Some(ms);
                }
            }
            Line::Field(..) => {}
        }
        None
    }

    /// A line was longer than what is kept of it.
    pub fn mark_cut(&mut self) {
        self.cut = true;
    }

    fn dispatch(&mut self) -> Option<Event> {
        let kind = std::mem::take(&mut self.kind);
        let mut data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        data.pop_if(|c| *c == b'\n');
        Some(Event {
            kind: if kind.is_empty() {
                "message".into()
            } else {
                String::from_utf8_lossy(&kind).into_owned()
            },
            data: String::from_utf8_lossy(&data).into_owned(),
            id: String::from_utf8_lossy(&self.last_id).into_owned(),
            retry: self.retry.take(),
            cut: std::mem::take(&mut self.cut),
        })
    }
}

fn bounded(v: &[u8]) -> Vec<u8> {
    v[..v.len().min(MAX_LINE)].to_vec()
}

/// `retry`'s value when it is ASCII digits only (else the field is ignored).
pub fn retry_value(v: &[u8]) -> Option<u64> {
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// An event stream read as it arrives, in pieces cut anywhere (even
/// between a CR and its LF). Holds at most one line and one event.
#[derive(Debug, Default, Clone)]
pub struct EventStream {
    line: Vec<u8>,
    line_cut: bool,
    /// The piece before ended in CR: an LF opening this one belongs to it.
    after_cr: bool,
    /// The first bytes, until they show whether they open with a BOM.
    start: Vec<u8>,
    started: bool,
    events: EventBuilder,
}

impl EventStream {
    /// Reads `piece`, handing each event it completes to `out`.
    pub fn feed(&mut self, piece: &[u8], out: &mut dyn FnMut(Event)) {
        if self.started {
            return self.lines(piece, out);
        }
        // A UTF-8 byte order mark is skipped at the very start only, even
        // when it comes split over pieces.
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        let want = BOM.len() - self.start.len();
        self.start
            .extend_from_slice(&piece[..piece.len().min(want)]);
        let rest = &piece[piece.len().min(want)..];
        if self.start.len() < BOM.len() && BOM.starts_with(&self.start) {
            return;
        }
        self.started = true;
        let start = std::mem::take(&mut self.start);
        self.lines(start.strip_prefix(BOM).unwrap_or(&start), out);
        self.lines(rest, out);
    }

    fn lines(&mut self, piece: &[u8], out: &mut dyn FnMut(Event)) {
        for &c in piece {
            let after_cr = std::mem::take(&mut self.after_cr);
            match c {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => {
                    self.after_cr = c == b'\r';
                    if std::mem::take(&mut self.line_cut) {
                        self.events.mark_cut();
                    }
                    if let Some(e) = self.events.line(Line::of(&self.line)) {
                        out(e);
                    }
                    self.line.clear();
                }
                _ if self.line.len() >= MAX_LINE => self.line_cut = true,
                _ => self.line.push(c),
            }
        }
    }
}

/// Where each line of `b` ends: (end of its text, end with its terminator).
fn lines(b: &[u8]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= b.len() {
            return None;
        }
        let start = at;
        let end = b[at..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(b.len(), |i| at + i);
        let next = match (b.get(end), b.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => end + 2,
            (Some(_), _) => end + 1,
            (None, _) => end,
        };
        at = next;
        Some((start, end, next))
    })
}

/// A whole `text/event-stream` body: an `sse` layer with each event (its
/// type, then its lines) and the count of events.
pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    // The Info column as tshark's, which shows this body as `media`.
    let media = cx.match_string.take().unwrap_or_default();
    cx.append_info_sep(" ", format_args!("({media})"));
    let body = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let skip = off + (b.len() - body.len());
    cx.layer(
        &proto::SSE,
        buf.span(off, b.len()),
        format_args!("Server-Sent Events"),
    );
    let mut events = EventBuilder::default();
    let mut block: Option<usize> = None;
    let mut count = 0u32;
    for (start, end, next) in lines(body) {
        let line = &body[start..end];
        let open = *block.get_or_insert(start);
        let Some(e) = events.line(Line::of(line)) else {
            if line.is_empty() {
                block = None;
            }
            continue;
        };
        block = None;
        count += 1;
        if (count as usize) <= MAX_SHOWN {
            show_event(cx, buf, skip, (open, next), &e, &body[open..end]);
        }
    }
    cx.generated(&EVENTS, buf.span(off, 0), Value::U64(u64::from(count)));
    cx.end_layer();
    b.len().max(1)
}

/// One event: its type spanning its block, its data and last event id,
/// then each line of the block as it was written.
fn show_event<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    base: usize,
    (open, next): (usize, usize),
    e: &Event,
    block: &[u8],
) {
    let span = buf.span(base + open, next - open);
    cx.labeled(
        &EVENT,
        span,
        Value::Str(&e.kind),
        format_args!("Event: {}", e.kind),
    );
    cx.push();
    cx.generated(&DATA, span, Value::Str(&e.data));
    cx.generated(&ID, span, Value::Str(&e.id));
    if let Some(ms) = e.retry {
        cx.generated(&RETRY, span, Value::U64(ms));
    }
    for (start, end, _) in lines(block) {
        let at = buf.span(base + open + start, end - start);
        match Line::of(&block[start..end]) {
            Line::Blank => {}
            Line::Comment(c) => {
                let text = String::from_utf8_lossy(c);
                cx.field(&COMMENT, at, Value::Str(&text));
            }
            Line::Field(name, value) => {
                let (name, value) = (
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(value),
                );
                cx.labeled(
                    &FIELD,
                    at,
                    Value::Str(&name),
                    format_args!("{name}: {value}"),
                );
            }
        }
    }
    cx.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pieces: &[&[u8]]) -> Vec<Event> {
        let mut s = EventStream::default();
        let mut out = Vec::new();
        for p in pieces {
            s.feed(p, &mut |e| out.push(e));
        }
        out
    }

    fn ev(kind: &str, data: &str, id: &str, retry: Option<u64>) -> Event {
        Event {
            kind: kind.into(),
            data: data.into(),
            id: id.into(),
            retry,
            cut: false,
        }
    }

    #[test]
    fn the_standards_examples() {
        // WHATWG HTML 9.2.6's examples.
        let got = read(&[b"data: YHOO\ndata: +2\ndata: 10\n\n"]);
        assert_eq!(got, [ev("message", "YHOO\n+2\n10", "", None)]);
        let got = read(&[b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"]);
        assert_eq!(
            got,
            [
                ev("message", "first event", "1", None),
                ev("message", "second event", "", None),
                ev("message", " third event", "", None),
            ]
        );
        // An empty data line adds a newline; the last block never ends.
        let got = read(&[b"data\n\ndata\ndata\n\ndata:"]);
        assert_eq!(
            got,
            [ev("message", "", "", None), ev("message", "\n", "", None)]
        );
    }

    #[test]
    fn types_ids_and_retry_carry_as_the_standard_says() {
        let got = read(&[b"retry: 3000\n\nevent: token\nid: 7\ndata: a\n\ndata: b\nretry: x1\n\n"]);
        assert_eq!(
            got,
            [
                ev("token", "a", "7", Some(3000)),
                ev("message", "b", "7", None)
            ]
        );
    }

    #[test]
    fn pieces_cut_anywhere_read_as_one() {
        let whole: &[u8] = b"\xEF\xBB\xBFevent: a\r\ndata: x\r\n\r\ndata: y\rdata: z\r\r";
        let expect = read(&[whole]);
        assert_eq!(
            expect,
            [ev("a", "x", "", None), ev("message", "y\nz", "", None)]
        );
        for cut in 0..whole.len() {
            assert_eq!(
                read(&[&whole[..cut], &whole[cut..]]),
                expect,
                "cut at {cut}"
            );
        }
        let bytes: Vec<&[u8]> = whole.chunks(1).collect();
        assert_eq!(read(&bytes), expect);
    }

    #[test]
    fn a_bom_later_is_data() {
        let got = read(&[b"data: a\n\n", b"\xEF\xBB\xBFdata: b\n\n"]);
        // A BOM mid-stream makes the field name unknown: no data, no event.
        assert_eq!(got, [ev("message", "a", "", None)]);
    }

    #[test]
    fn long_lines_are_cut_and_said() {
        let mut long = b"data: ".to_vec();
        long.resize(MAX_LINE + 100, b'x');
        long.extend_from_slice(b"\n\n");
        let got = read(&[&long]);
        assert_eq!(got.len(), 1);
        assert!(got[0].cut);
        assert_eq!(got[0].data.len(), MAX_LINE - 6);
    }
}
