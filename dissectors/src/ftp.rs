//! FTP control connections (RFC 959, TCP port 21), segment by segment as
//! tshark shows them: each line a request (command and argument) or a
//! response (code and text), Info "Request: USER alice" / "Response: 230
//! Login successful.", and the address a PASV, EPSV or PORT announces.

use std::net::IpAddr;

use crate::field::{FieldDef, FieldType as T, Value};
use crate::packet::{Buf, ConversationKey, Cx, Expectation, Transport};
use crate::proto;
use crate::sink::Sink;
use crate::text_lines::{lines, to_server, trim_eol};

crate::fields! {
    REQUEST = FieldDef::new("ftp.request", "Request", T::Boolean);
    RESPONSE = FieldDef::new("ftp.response", "Response", T::Boolean);
    REQUEST_COMMAND = FieldDef::new("ftp.request.command", "Request command", T::String);
    REQUEST_ARG = FieldDef::new("ftp.request.arg", "Request arg", T::String);
    RESPONSE_CODE = FieldDef::new("ftp.response.code", "Response code", T::U32);
    RESPONSE_ARG = FieldDef::new("ftp.response.arg", "Response arg", T::String);
    PASSIVE_IP = FieldDef::new("ftp.passive.ip", "Passive IP address", T::Ipv4);
    PASSIVE_PORT = FieldDef::new("ftp.passive.port", "Passive port", T::U16);
    ACTIVE_IP = FieldDef::new("ftp.active.cip", "Active IP address", T::Ipv4);
    ACTIVE_PORT = FieldDef::new("ftp.active.port", "Active port", T::U16);
    EPSV_PORT = FieldDef::new("ftp.epsv.port", "Extended passive port", T::U16);
    DATA_SETUP_METHOD = FieldDef::new("ftp-data.setup-method", "Setup method", T::String);
    DATA_COMMAND = FieldDef::new("ftp-data.command", "Command", T::String);
}

const FTP_PORT: u16 = 21;

pub fn dissect<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let claimed = buf.reported.saturating_sub(off).max(1);
    let Transport::Tcp(seg) = cx.pi.transport else {
        return 0;
    };
    let request = to_server(&seg, FTP_PORT);
    cx.layer(
        &proto::FTP,
        buf.span(off, b.len()),
        format_args!("File Transfer Protocol (FTP)"),
    );
    let first = lines(b).next().map_or(&b[..0], |(_, l)| trim_eol(l));
    let kind = if request { "Request" } else { "Response" };
    cx.set_info(format_args!("{kind}: {}", crate::bytes::format_text(first)));
    let z = buf.span(off, 0);
    if request {
        cx.hidden(&REQUEST, z, Value::Bool(true));
    } else {
        cx.hidden(&RESPONSE, z, Value::Bool(true));
    }
    let control = cx.tcp_stream.map(|stream| ConversationKey {
        tcp: true,
        stream,
        proto: proto::FTP.id,
    });
    for (at, line) in lines(b) {
        cx.text(
            buf.span(off + at, line.len()),
            format_args!("{}", crate::bytes::format_text(line)),
        );
        cx.push();
        let text = trim_eol(line);
        if request {
            request_line(cx, buf, off + at, text, control);
        } else {
            response_line(cx, buf, off + at, text, control);
        }
        cx.pop();
    }
    cx.end_layer();
    claimed
}

fn request_line<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    line: &[u8],
    control: Option<ConversationKey>,
) {
    remember(cx, control, None, Some(line));
    let cmd_len = line.iter().position(|&c| c == b' ').unwrap_or(line.len());
    let cmd = String::from_utf8_lossy(&line[..cmd_len]);
    cx.field(&REQUEST_COMMAND, buf.span(at, cmd_len), Value::Str(&cmd));
    if cmd_len + 1 < line.len() {
        let arg = &line[cmd_len + 1..];
        let s = String::from_utf8_lossy(arg);
        cx.field(
            &REQUEST_ARG,
            buf.span(at + cmd_len + 1, arg.len()),
            Value::Str(&s),
        );
        if cmd.eq_ignore_ascii_case("PORT")
            && let Some((ip, port)) = host_port(arg)
        {
            cx.generated(
                &ACTIVE_IP,
                buf.span(at + cmd_len + 1, arg.len()),
                Value::Ipv4(ip),
            );
            cx.generated(
                &ACTIVE_PORT,
                buf.span(at + cmd_len + 1, arg.len()),
                Value::U64(port.into()),
            );
            // The server connects from its data port, 20.
            announce(cx, control, IpAddr::from(ip), port, Some(20), b"PORT");
        }
    }
}

fn response_line<S: Sink>(
    cx: &mut Cx<'_, S>,
    buf: Buf<'_>,
    at: usize,
    line: &[u8],
    control: Option<ConversationKey>,
) {
    let digits = line
        .iter()
        .take(3)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits < 3 {
        return;
    }
    let code: u32 = std::str::from_utf8(&line[..3])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    cx.field(&RESPONSE_CODE, buf.span(at, 3), Value::U64(code.into()));
    if line.len() > 4 {
        let arg = &line[4..];
        let s = String::from_utf8_lossy(arg);
        cx.field(&RESPONSE_ARG, buf.span(at + 4, arg.len()), Value::Str(&s));
        let span = buf.span(at + 4, arg.len());
        match code {
            227 => {
                if let Some((ip, port)) = arg
                    .iter()
                    .position(|c| c.is_ascii_digit())
                    .and_then(|i| host_port(&arg[i..]))
                {
                    cx.generated(&PASSIVE_IP, span, Value::Ipv4(ip));
                    cx.generated(&PASSIVE_PORT, span, Value::U64(port.into()));
                    announce(cx, control, IpAddr::from(ip), port, None, b"PASV");
                }
            }
            229 => {
                if let Some(port) = epsv_port(arg) {
                    cx.generated(&EPSV_PORT, span, Value::U64(port.into()));
                    // The server's own address: this response's source.
                    if let Some((server, _)) = cx.ip_current {
                        announce(cx, control, server, port, None, b"EPSV");
                    }
                }
            }
            _ => {}
        }
    }
}

/// The control connection's memo: how its data connections are set up
/// and the last command, `method\0command`.
fn remember<S: Sink>(
    cx: &mut Cx<'_, S>,
    control: Option<ConversationKey>,
    method: Option<&[u8]>,
    command: Option<&[u8]>,
) {
    let Some(key) = control.filter(|_| cx.quote_depth == 0) else {
        return;
    };
    let before = cx.state.conversation_memo(key, None);
    let (old_method, old_command) = split_memo(&before);
    let mut memo = method.unwrap_or(old_method).to_vec();
    memo.push(0);
    memo.extend_from_slice(command.unwrap_or(old_command));
    cx.state.conversation_memo(key, Some(&memo));
}

fn split_memo(memo: &[u8]) -> (&[u8], &[u8]) {
    match memo.iter().position(|&c| c == 0) {
        Some(i) => (&memo[..i], &memo[i + 1..]),
        None => (memo, &[]),
    }
}

/// A data connection announced on the control connection.
fn announce<S: Sink>(
    cx: &mut Cx<'_, S>,
    control: Option<ConversationKey>,
    addr: IpAddr,
    port: u16,
    other_port: Option<u16>,
    method: &[u8],
) {
    let Some(parent) = control.filter(|_| cx.quote_depth == 0) else {
        return;
    };
    cx.state.expect_connection(Expectation {
        addr,
        port,
        other_port,
        proto: proto::FTP_DATA.id,
        parent,
    });
    remember(cx, control, Some(method), None);
}

/// A segment of a data connection: its size, how the connection was set
/// up and the command it serves, as tshark's "FTP Data: 132 bytes (PASV)
/// (LIST)".
pub fn dissect_data<S: Sink>(cx: &mut Cx<'_, S>, buf: Buf<'_>, off: usize) -> usize {
    let b = buf.rest(off);
    let len = buf.reported.saturating_sub(off);
    // On port 20 with no announcement seen there is no setup to show.
    let memo = match cx.expected.take() {
        Some(e) => cx.state.conversation_memo(e.parent, None),
        None => Vec::new(),
    };
    let (method, command) = split_memo(&memo);
    let method = String::from_utf8_lossy(method);
    let command = String::from_utf8_lossy(command);
    cx.layer(
        &proto::FTP_DATA,
        buf.span(off, b.len()),
        format_args!("FTP Data ({len} bytes data)"),
    );
    let z = buf.span(off, 0);
    cx.generated(&DATA_SETUP_METHOD, z, Value::Str(&method));
    cx.generated(&DATA_COMMAND, z, Value::Str(&command));
    // tshark judges text by the first 20 bytes, and shows it line by line.
    let text = b
        .iter()
        .take(20)
        .all(|&c| c == b'\r' || c == b'\n' || (0x20..0x7f).contains(&c));
    cx.end_layer();
    if text {
        let key = crate::table::media_key("text/plain");
        cx.dissect_by(crate::table::Table::MediaType, key, buf, off);
    }
    cx.set_info(format_args!("FTP Data: {len} bytes"));
    if !method.is_empty() {
        cx.append_info(format_args!(" ({method})"));
    }
    if !command.is_empty() {
        cx.append_info(format_args!(" ({command})"));
    }
    len.max(1)
}

/// "h1,h2,h3,h4,p1,p2" (what follows is ignored): the address and port.
pub fn host_port(s: &[u8]) -> Option<([u8; 4], u16)> {
    let mut n = [0u16; 6];
    let mut it = s.split(|&c| c == b',');
    for v in &mut n {
        let part = it.next()?;
        let digits: Vec<u8> = part
            .iter()
            .copied()
            .take_while(u8::is_ascii_digit)
            .collect();
        let num: u16 = std::str::from_utf8(&digits).ok()?.parse().ok()?;
        if num > 255 {
            return None;
        }
        *v = num;
    }
    let ip = [n[0] as u8, n[1] as u8, n[2] as u8, n[3] as u8];
    Some((ip, n[4] << 8 | n[5]))
}

/// "(|||port|)" in an EPSV answer.
fn epsv_port(s: &[u8]) -> Option<u16> {
    let open = s.iter().position(|&c| c == b'(')?;
    let inner = &s[open + 1..];
    let d = *inner.first()?;
    let fields: Vec<&[u8]> = inner.split(|&c| c == d).collect();
    std::str::from_utf8(fields.get(3)?).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn announced_addresses() {
        assert_eq!(
            super::host_port(b"127,0,0,1,149,107)."),
            Some(([127, 0, 0, 1], 38251))
        );
        assert_eq!(super::host_port(b"1,2,3"), None);
        assert_eq!(
            super::epsv_port(b"Entering Extended Passive Mode (|||6446|)"),
            Some(6446)
        );
    }
}
