//! SMTP (RFC 5321, TCP ports 25 and 587) as tshark 4.0 shows it. The TCP
//! analysis keeps a line that spans segments whole (`Table::TcpLines`);
//! each PDU here is commands, responses, or message data. After DATA the
//! client's segments are "DATA fragment"s until the line ".", whose frame
//! shows the message reassembled and handed to IMF; STARTTLS answered with
//! 220 turns the connection over to TLS. The session's state (commands or
//! data, how far AUTH went) is the conversation's memo, so any frame can
//! be dissected again from the tape.

use crate::expert::{ExpertDef, Group, Severity};
use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, ConversationKey, Cx, FragOutcome, Transport};
use crate::proto;
use crate::sink::{Presence, Sink, Span};
use crate::table::{Table, media_key};
use crate::text_lines::{all_lines, trim_eol};

crate::fields! {
    REQ = FieldDef::new("smtp.req", "Request", T::Boolean);
    RSP = FieldDef::new("smtp.rsp", "Response", T::Boolean);
    COMMAND_LINE = FieldDef::new("smtp.command_line", "Command Line", T::String);
    REQ_COMMAND = FieldDef::new("smtp.req.command", "Command", T::String);
    REQ_PARAMETER = FieldDef::new("smtp.req.parameter", "Request parameter", T::String);
    RESPONSE = FieldDef::new("smtp.response", "Response", T::String);
    RSP_CODE = FieldDef::new("smtp.response.code", "Response code", T::U32);
    RSP_PARAMETER = FieldDef::new("smtp.rsp.parameter", "Response parameter", T::String);
    USERNAME = FieldDef::new("smtp.auth.username", "Username", T::String);
    PASSWORD = FieldDef::new("smtp.auth.password", "Password", T::String);
    USERNAME_PASSWORD = FieldDef::new("smtp.auth.username_password", "Username/Password", T::String);
    EOM = FieldDef::new("smtp.eom", "EOM", T::None);
    DATA_FRAGMENTS = FieldDef::new("smtp.data.fragments", "DATA fragments", T::None);
    DATA_FRAGMENT = FieldDef::new("smtp.data.fragment", "DATA fragment", T::FrameNum);
    DATA_FRAGMENT_COUNT = FieldDef::new("smtp.data.fragment.count", "DATA fragment count", T::U32);
    DATA_REASSEMBLED_LENGTH = FieldDef::new("smtp.data.reassembled.length", "Reassembled DATA length", T::U32);
}

/// SMTP and mail submission.
pub const PORTS: [u16; 2] = [25, 587];

/// Commands that are not four letters (RFC 821's rule for the rest).
const LONG_COMMANDS: &[&[u8]] = &[b"STARTTLS", b"X-EXPS", b"X-LINK2STATE", b"XEXCH50"];

/// What the session is reading from the client.
mod mode {
    pub const COMMANDS: u8 = 0;
    pub const DATA: u8 = 1;
    pub const AWAITING_STARTTLS_RESPONSE: u8 = 2;
}

/// How far an AUTH exchange went (Wireshark's `smtp_auth_state`).
mod auth {
    pub const NONE: u8 = 0;
    pub const START: u8 = 1;
    pub const USERNAME_REQ: u8 = 2;
    pub const USERNAME_RSP: u8 = 3;
    pub const PASSWORD_REQ: u8 = 4;
    pub const PASSWORD_RSP: u8 = 5;
    pub const PLAIN_START_REQ: u8 = 6;
    pub const PLAIN_REQ: u8 = 7;
    pub const PLAIN_RSP: u8 = 8;
    pub const PLAIN_CRED_REQ: u8 = 9;
    pub const SUCCESS: u8 = 10;
    pub const FAILED: u8 = 11;
}

/// The conversation's state, kept as its memo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Session {
    mode: u8,
    auth: u8,
    /// The last segment read in DATA ended with CRLF: a "." line at the
    /// start of the next ends the message.
    crlf_seen: bool,
    /// A DATA command was seen: unknown client lines are message data.
    data_seen: bool,
}

impl Session {
    fn from_memo(m: &[u8]) -> Self {
        let flags = m.get(2).copied().unwrap_or(0);
        Session {
            mode: m.first().copied().unwrap_or(mode::COMMANDS),
            auth: m.get(1).copied().unwrap_or(auth::NONE),
            crlf_seen: flags & 1 != 0,
            data_seen: flags & 2 != 0,
        }
    }
    fn memo(self) -> [u8; 3] {
        let flags = u8::from(self.crlf_seen) | u8::from(self.data_seen) << 1;
        [self.mode, self.auth, flags]
    }
}

/// What a client PDU is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientPdu {
    Command,
    /// Message data without its end.
    Message,
    /// The message's end: the "." line starts at this offset.
    EndOfMessage(usize),
}

/// Lines of a client PDU with an AUTH role this frame.
#[derive(Debug, Clone, Copy, Default)]
struct AuthRoles {
    /// AUTH LOGIN's username line, password line; AUTH PLAIN's credentials.
    username: bool,
    password: bool,
    credentials: bool,
    /// AUTH LOGIN or AUTH PLAIN with its argument on the command line.
    login_with_username: bool,
    plain_with_credentials: bool,
}

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let Transport::Tcp(seg) = cx.pi.transport else {
        return 0;
    };
    let request = if PORTS.contains(&seg.dst_port) {
        true
    } else if PORTS.contains(&seg.src_port) {
        false
    } else {
        seg.dst_port < seg.src_port
    };
    let key = cx
        .tcp_stream
        .filter(|_| cx.quote_depth == 0)
        .map(|stream| ConversationKey {
            tcp: true,
            stream,
            proto: proto::SMTP.id,
        });
    let before = match key {
        Some(k) => Session::from_memo(&cx.state.conversation_memo(k, None)),
        None => Session::default(),
    };
    let mut session = before;
    cx.layer(
        &proto::SMTP,
        buf.span(off, b.len()),
        format_args!("Simple Mail Transfer Protocol"),
    );
    cx.set_info(format_args!(""));
    let mut message = None;
    if request {
        let mut roles = AuthRoles::default();
        let pdu = classify(b, &mut session, &mut roles);
        message = client(cx, buf, off, pdu, roles, key);
    } else {
        track_crlf(b, &mut session);
        let starttls = response(cx, buf, off, &mut session);
        if starttls && let Some(k) = key {
            cx.state.switch_tcp_protocol(k.stream, "tls", &proto::SMTP);
        }
    }
    // A piece's lines and the whole message's pieces sit inside SMTP's
    // item, as Wireshark's tree has them; the message's IMF follows it.
    let source = match &message {
        Some(Shown::Fragment) => {
            cx.dissect_by(Table::MediaType, media_key("text/plain"), buf, off);
            None
        }
        Some(Shown::Reassembled(payload, frames)) => {
            Some(message_pieces(cx, buf.span(off, 0), payload, frames))
        }
        None => None,
    };
    cx.end_layer();
    if let (Some(k), true) = (key, session != before) {
        cx.state.conversation_memo(k, Some(&session.memo()));
    }
    // Wireshark hands the message to IMF by name; IMF is the media type's
    // taker.
    if let (Some(Shown::Reassembled(payload, _)), Some(source)) = (message, source) {
        let whole = Buf::source(&payload, source);
        cx.dissect_by(Table::MediaType, media_key("message/rfc822"), whole, 0);
    }
    claimed
}

/// What follows the SMTP layer of a client PDU.
enum Shown {
    /// A piece of message data, shown as lines.
    Fragment,
    /// The whole message, with the frames its pieces came from.
    Reassembled(Vec<u8>, Vec<(u32, u32)>),
}

/// Wireshark's CRLF tracking while reading DATA, which both directions'
/// segments update: whether the segment ends with CRLF.
fn track_crlf(b: &[u8], s: &mut Session) {
    if s.mode == mode::DATA {
        s.crlf_seen = b.ends_with(b"\r\n");
    }
}

/// What a client PDU is, moving the session along line by line as
/// Wireshark's first pass does.
fn classify(b: &[u8], s: &mut Session, roles: &mut AuthRoles) -> ClientPdu {
    let mut pdu = ClientPdu::Command;
    for (at, line) in all_lines(b) {
        if s.mode == mode::DATA {
            let rest = &b[at..];
            let eom = (s.crlf_seen && rest.starts_with(b".\r\n")) || rest.starts_with(b"\r\n.\r\n");
            s.crlf_seen = b.ends_with(b"\r\n");
            if eom {
                s.mode = mode::COMMANDS;
                return ClientPdu::EndOfMessage(at);
            }
            pdu = ClientPdu::Message;
            continue;
        }
        pdu = command_line(trim_eol(line), s, roles).unwrap_or(pdu);
    }
    pdu
}

/// One line read while the session reads commands: what the PDU is, when
/// the line says.
fn command_line(line: &[u8], s: &mut Session, roles: &mut AuthRoles) -> Option<ClientPdu> {
    let word = &line[..line.iter().position(|&c| c == b' ').unwrap_or(line.len())];
    let starts = |p: &[u8]| line.len() >= p.len() && line[..p.len()].eq_ignore_ascii_case(p);
    if !is_command(word) {
        match s.auth {
            auth::USERNAME_REQ => (s.auth, roles.username) = (auth::USERNAME_RSP, true),
            auth::PASSWORD_REQ => (s.auth, roles.password) = (auth::PASSWORD_RSP, true),
            auth::PLAIN_REQ => (s.auth, roles.credentials) = (auth::PLAIN_RSP, true),
            _ if s.data_seen => return Some(ClientPdu::Message),
            _ => return Some(ClientPdu::Command),
        }
        return None;
    }
    if starts(b"DATA") {
        s.mode = mode::DATA;
        s.data_seen = true;
    } else if starts(b"AUTH LOGIN") && line.len() <= 11 {
        s.auth = auth::START;
    } else if starts(b"AUTH LOGIN") {
        s.auth = auth::USERNAME_RSP;
        roles.login_with_username = true;
    } else if starts(b"AUTH PLAIN") && line.len() <= 11 {
        s.auth = auth::PLAIN_START_REQ;
    } else if starts(b"AUTH PLAIN") {
        s.auth = auth::PLAIN_CRED_REQ;
        roles.plain_with_credentials = true;
    } else if starts(b"STARTTLS") {
        s.mode = mode::AWAITING_STARTTLS_RESPONSE;
    }
    Some(ClientPdu::Command)
}

/// RFC 821: "Command codes are four alphabetic characters", and a few
/// extensions that are not.
fn is_command(word: &[u8]) -> bool {
    (word.len() == 4 && word.iter().all(u8::is_ascii_alphabetic))
        || LONG_COMMANDS.iter().any(|c| word.eq_ignore_ascii_case(c))
}

/// A client PDU's items and Info; message data goes into the message
/// being collected.
fn client<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    off: usize,
    pdu: ClientPdu,
    roles: AuthRoles,
    key: Option<ConversationKey>,
) -> Option<Shown> {
    let b = buf.rest(off);
    let frame = cx.frame.number;
    match pdu {
        ClientPdu::Message => {
            let plural = if b.len() == 1 { "" } else { "s" };
            cx.set_info(format_args!("C: DATA fragment, {} byte{plural}", b.len()));
            if let Some(k) = key {
                cx.state.message_fragment(k, frame, b, false);
            }
            Some(Shown::Fragment)
        }
        ClientPdu::EndOfMessage(at) => {
            cx.set_info(format_args!("C: ."));
            // Wireshark puts the marker on the segment's first byte,
            // wherever the "." line is.
            let first = buf.span(off, 1.min(b.len()));
            cx.labeled(&EOM, first, Value::None, format_args!("C: ."));
            match cx.state.message_fragment(key?, frame, &b[..at], true) {
                FragOutcome::Complete { payload, frames } => {
                    Some(Shown::Reassembled(payload, frames))
                }
                _ => None,
            }
        }
        ClientPdu::Command => {
            for (i, (at, line)) in all_lines(b).enumerate() {
                cx.append_info(format_args!("{}", if i == 0 { "C: " } else { " | " }));
                cx.hidden(&REQ, buf.span(off, 0), Value::Bool(true));
                command_items(cx, buf, off + at, line, roles);
            }
            None
        }
    }
}

/// One line of a command PDU: the command line and its parts, or an AUTH
/// exchange's username or password line.
fn command_items<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    line: &[u8],
    roles: AuthRoles,
) {
    let text = trim_eol(line);
    let shown = String::from_utf8_lossy(text);
    let span = buf.span(at, text.len());
    if roles.username || roles.password {
        let (def, label) = if roles.username {
            (&USERNAME, "User")
        } else {
            (&PASSWORD, "Pass")
        };
        cx.field(def, span, Value::Str(&shown));
        cx.append_info(format_args!("{label}: {shown}"));
        return;
    }
    if roles.credentials {
        credentials(cx, span, &shown);
        return;
    }
    let whole = String::from_utf8_lossy(line);
    cx.field(&COMMAND_LINE, buf.span(at, line.len()), Value::Str(&whole));
    cx.push();
    let word = String::from_utf8_lossy(&text[..text.len().min(4)]);
    cx.field(
        &REQ_COMMAND,
        buf.span(at, text.len().min(4)),
        Value::Str(&word),
    );
    if text.len() > 5 {
        let parameter = String::from_utf8_lossy(&text[5..]);
        cx.field(
            &REQ_PARAMETER,
            buf.span(at + 5, text.len() - 5),
            Value::Str(&parameter),
        );
    }
    if text.len() > 11 && (roles.login_with_username || roles.plain_with_credentials) {
        let argument = String::from_utf8_lossy(&text[11..]);
        cx.append_info(format_args!("{}", String::from_utf8_lossy(&text[..11])));
        if roles.login_with_username {
            cx.field(
                &USERNAME,
                buf.span(at + 11, text.len() - 11),
                Value::Str(&argument),
            );
            cx.append_info(format_args!("User: {argument}"));
        } else {
            credentials(cx, buf.span(at + 11, text.len() - 11), &argument);
        }
    } else {
        cx.append_info(format_args!("{shown}"));
    }
    cx.pop();
}

/// AUTH PLAIN's credentials, shown as they are with Wireshark's warning
/// (tshark 4.0 names no username or password unless told to decode them).
fn credentials<S: Sink>(cx: &mut Cx<'_, S>, span: Span, text: &str) {
    cx.field(&USERNAME_PASSWORD, span, Value::Str(text));
    cx.push();
    cx.expert(
        &BASE64_DECODE,
        span,
        format_args!("base64 decode failed or is not enabled (check SMTP preferences)"),
    );
    cx.pop();
    cx.append_info(format_args!("{text}"));
}

pub static BASE64_DECODE: ExpertDef = ExpertDef::new(
    "smtp.base64_decode",
    Severity::Warning,
    Group::Protocol,
    "base64 decode failed or is not enabled (check SMTP preferences)",
);

/// A server PDU: its replies, each a first line with the code and the
/// continuation lines that follow ("250-..."), one item each, every line's
/// text a parameter. The session learns AUTH's progress and whether
/// STARTTLS was accepted (returned).
fn response<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize, s: &mut Session) -> bool {
    let b = buf.rest(off);
    let mut starttls = false;
    let mut continued = false;
    cx.hidden(&RSP, buf.span(off, 0), Value::Bool(true));
    for (i, (at, line)) in all_lines(b).enumerate() {
        let text = trim_eol(line);
        cx.append_info(format_args!("{}", if i == 0 { "S: " } else { " | " }));
        let code = reply_code(text);
        let first = !continued;
        continued = code.is_some() && text.get(3) == Some(&b'-');
        if first {
            if i > 0 {
                cx.pop();
            }
            let whole = String::from_utf8_lossy(line);
            cx.field(
                &RESPONSE,
                buf.span(off + at, line.len()),
                Value::Str(&whole),
            );
            cx.push();
        }
        let Some(code) = code else {
            continue;
        };
        if first {
            starttls |= learn(s, code);
            cx.sink.field_with_label(
                &RSP_CODE,
                buf.span(off + at, 3),
                Value::U64(code.into()),
                Presence::Normal,
                format_args!("Response code: {} ({code})", reply_text(code)),
            );
        }
        let shown = String::from_utf8_lossy(text);
        if text.len() >= 4 {
            let parameter = String::from_utf8_lossy(&text[4..]);
            let span = buf.span(off + at + 4, text.len() - 4);
            cx.field(&RSP_PARAMETER, span, Value::Str(&parameter));
            let info = if first { &shown } else { &parameter };
            cx.append_info(format_args!("{info}"));
        } else {
            cx.append_info(format_args!("{shown}"));
        }
    }
    if !b.is_empty() {
        cx.pop();
    }
    starttls
}

/// A line's three-digit reply code.
fn reply_code(text: &[u8]) -> Option<u16> {
    let d = text.get(..3)?;
    d.iter()
        .all(u8::is_ascii_digit)
        .then(|| d.iter().fold(0u16, |n, &c| n * 10 + u16::from(c - b'0')))
}

/// What a reply code tells the session; true when it accepts STARTTLS.
fn learn(s: &mut Session, code: u16) -> bool {
    let mut starttls = false;
    if s.mode == mode::AWAITING_STARTTLS_RESPONSE {
        starttls = code == 220;
        s.mode = mode::COMMANDS;
    }
    if code == 334 {
        s.auth = match s.auth {
            auth::START => auth::USERNAME_REQ,
            auth::USERNAME_RSP => auth::PASSWORD_REQ,
            auth::PLAIN_REQ => auth::PLAIN_RSP,
            auth::PLAIN_START_REQ => auth::PLAIN_REQ,
            other => other,
        };
    } else if matches!(
        s.auth,
        auth::PASSWORD_RSP | auth::PLAIN_RSP | auth::PLAIN_CRED_REQ
    ) {
        s.auth = if code == 235 {
            auth::SUCCESS
        } else {
            auth::FAILED
        };
    }
    starttls
}

/// RFC 5321's reply codes as Wireshark names them.
fn reply_text(code: u16) -> &'static str {
    match code {
        211 => "System status, or system help reply",
        214 => "Help message",
        220 => "<domain> Service ready",
        221 => "<domain> Service closing transmission channel",
        235 => "Authentication successful",
        250 => "Requested mail action okay, completed",
        251 => "User not local; will forward to <forward-path>",
        252 => "Cannot VRFY user, but will accept message and attempt delivery",
        334 => "AUTH input",
        354 => "Start mail input; end with <CRLF>.<CRLF>",
        421 => "<domain> Service not available, closing transmission channel",
        432 => "A password transition is needed",
        450 => "Requested mail action not taken: mailbox unavailable",
        451 => "Requested action aborted: local error in processing",
        452 => "Requested action not taken: insufficient system storage",
        454 => "Temporary authenticaion failure",
        500 => "Syntax error, command unrecognized",
        501 => "Syntax error in parameters or arguments",
        502 => "Command not implemented",
        503 => "Bad sequence of commands",
        504 => "Command parameter not implemented",
        530 => "Authentication required",
        534 => "Authentication mechanism is too weak",
        535 => "Authentication credentials invalid",
        538 => "Encryption required for requested authentication mechanism",
        550 => "Requested action not taken: mailbox unavailable",
        551 => "User not local; please try <forward-path>",
        552 => "Requested mail action aborted: exceeded storage allocation",
        553 => "Requested action not taken: mailbox name not allowed",
        554 => "Transaction failed",
        _ => "Unknown",
    }
}

/// The pieces of a DATA command's message, inside the SMTP item of the
/// frame that ends it; returns the joined message's source.
fn message_pieces<S: Sink>(
    cx: &mut Cx<'_, S>,
    anchor: Span,
    payload: &[u8],
    frames: &[(u32, u32)],
) -> u16 {
    static FIELDS: crate::pieces_tree::PiecesFields = crate::pieces_tree::PiecesFields {
        list: &DATA_FRAGMENTS,
        piece: &DATA_FRAGMENT,
        count: &DATA_FRAGMENT_COUNT,
        length: &DATA_REASSEMBLED_LENGTH,
        data: None,
    };
    let source = cx.sink.source("Reassembled SMTP", payload).max(1);
    let whole = Some((source, payload));
    crate::pieces_tree::pieces_tree(cx, &FIELDS, anchor, frames, whole);
    source
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_data() -> Session {
        Session {
            mode: mode::DATA,
            data_seen: true,
            ..Session::default()
        }
    }

    #[test]
    fn a_dot_line_ends_the_message_only_after_a_crlf() {
        let mut roles = AuthRoles::default();
        // The dot line inside a segment that ends with CRLF.
        let mut s = in_data();
        assert_eq!(
            classify(b"Hi\r\n.\r\n", &mut s, &mut roles),
            ClientPdu::EndOfMessage(4)
        );
        assert_eq!(s.mode, mode::COMMANDS);
        // A segment that ends mid-line leaves a following ".\r\n" as data...
        let mut s = in_data();
        assert_eq!(classify(b"the att", &mut s, &mut roles), ClientPdu::Message);
        assert!(!s.crlf_seen);
        assert_eq!(
            classify(b".\r\nmore", &mut s, &mut roles),
            ClientPdu::Message
        );
        // ...but one after a segment that ended with CRLF ends it.
        let mut s = in_data();
        classify(b"line\r\n", &mut s, &mut roles);
        assert_eq!(
            classify(b".\r\n", &mut s, &mut roles),
            ClientPdu::EndOfMessage(0)
        );
    }

    #[test]
    fn auth_login_lines_are_username_then_password() {
        let mut s = Session::default();
        let mut roles = AuthRoles::default();
        assert_eq!(
            classify(b"AUTH LOGIN\r\n", &mut s, &mut roles),
            ClientPdu::Command
        );
        assert!(!learn(&mut s, 334));
        classify(b"YWxpY2U=\r\n", &mut s, &mut roles);
        assert!(roles.username && !roles.password);
        learn(&mut s, 334);
        let mut roles = AuthRoles::default();
        classify(b"c2VjcmV0\r\n", &mut s, &mut roles);
        assert!(roles.password);
        learn(&mut s, 235);
        assert_eq!(s.auth, auth::SUCCESS);
        // STARTTLS answered 220 hands the connection over.
        classify(b"STARTTLS\r\n", &mut s, &mut roles);
        assert!(learn(&mut s, 220));
        assert_eq!(s.mode, mode::COMMANDS);
        assert_eq!(Session::from_memo(&s.memo()), s);
    }
}
