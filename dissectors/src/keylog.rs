//! TLS secrets from an NSS key log (`SSLKEYLOGFILE`, as curl, browsers,
//! Go, rustls, OpenSSL and Python write it, and as pcapng Decryption
//! Secrets Blocks carry it): one `LABEL <client random hex> <secret hex>`
//! per line, as Wireshark reads it. The text comes from the caller (the
//! application reads files); a malformed line is named by its number and
//! skipped, the rest still counts.

use std::collections::HashMap;

/// The secrets a key log line may give, by label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    /// `CLIENT_RANDOM`: the master secret of TLS 1.2 and earlier.
    MasterSecret,
    ClientHandshake,
    ServerHandshake,
    /// `CLIENT_TRAFFIC_SECRET_0` (later generations derive from it).
    ClientTraffic0,
    ServerTraffic0,
    /// `CLIENT_EARLY_TRAFFIC_SECRET` (0-RTT).
    ClientEarly,
}

impl SecretKind {
    pub const ALL: [SecretKind; 6] = [
        SecretKind::MasterSecret,
        SecretKind::ClientHandshake,
        SecretKind::ServerHandshake,
        SecretKind::ClientTraffic0,
        SecretKind::ServerTraffic0,
        SecretKind::ClientEarly,
    ];

    /// The label a key log line gives it.
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::MasterSecret => "CLIENT_RANDOM",
            SecretKind::ClientHandshake => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            SecretKind::ServerHandshake => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            SecretKind::ClientTraffic0 => "CLIENT_TRAFFIC_SECRET_0",
            SecretKind::ServerTraffic0 => "SERVER_TRAFFIC_SECRET_0",
            SecretKind::ClientEarly => "CLIENT_EARLY_TRAFFIC_SECRET",
        }
    }

    fn from_label(label: &str) -> Option<SecretKind> {
        SecretKind::ALL.into_iter().find(|k| k.label() == label)
    }
}

/// Labels Wireshark knows that give nothing we decrypt with.
const IGNORED_LABELS: &[&str] = &["EXPORTER_SECRET", "EARLY_EXPORTER_SECRET", "RSA"];

/// The longest secret a line may give (a SHA-384 traffic secret is 48
/// bytes, a master secret 48): longer is a malformed line.
const MAX_SECRET: usize = 64;

/// A line of a key log that was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLogError {
    /// 1-based, counted in the text given to [`KeyLog::add`].
    pub line: usize,
    pub reason: &'static str,
}

impl std::fmt::Display for KeyLogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// The secrets of a key log, by client random and kind.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyLog {
    secrets: HashMap<([u8; 32], SecretKind), Vec<u8>>,
}

/// Never prints a secret (a state dumped in a log or a panic message).
impl std::fmt::Debug for KeyLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyLog({} secrets)", self.secrets.len())
    }
}

impl KeyLog {
    /// Reads a key log's text, keeping what it can: the lines it could not
    /// read are returned, each with its number.
    pub fn parse(text: &[u8]) -> (KeyLog, Vec<KeyLogError>) {
        let mut log = KeyLog::default();
        let errors = log.add(text);
        (log, errors)
    }

    /// Adds the secrets of more key log text (a file that grew, a
    /// Decryption Secrets Block); a later line for the same session and
    /// kind replaces an earlier one.
    pub fn add(&mut self, text: &[u8]) -> Vec<KeyLogError> {
        let mut errors = Vec::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            match parse_line(line) {
                Ok(Some((random, kind, secret))) => {
                    self.secrets.insert((random, kind), secret);
                }
                Ok(None) => {}
                Err(reason) => errors.push(KeyLogError {
                    line: i + 1,
                    reason,
                }),
            }
        }
        errors
    }

    /// The secret of `kind` for the session whose ClientHello had `random`.
    pub fn get(&self, random: &[u8; 32], kind: SecretKind) -> Option<&[u8]> {
        self.secrets.get(&(*random, kind)).map(Vec::as_slice)
    }

    /// Sessions (client randoms) with at least one secret.
    pub fn sessions(&self) -> usize {
        let mut randoms: Vec<&[u8; 32]> = self.secrets.keys().map(|(r, _)| r).collect();
        randoms.sort_unstable();
        randoms.dedup();
        randoms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The key log's lines again, in a stable order (for writing them into
    /// a capture or out of one).
    pub fn to_text(&self) -> String {
        let mut entries: Vec<_> = self.secrets.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut out = String::new();
        for ((random, kind), secret) in entries {
            out.push_str(kind.label());
            out.push(' ');
            push_hex(&mut out, random);
            out.push(' ');
            push_hex(&mut out, secret);
            out.push('\n');
        }
        out
    }
}

fn push_hex(out: &mut String, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &x in b {
        out.push(HEX[usize::from(x >> 4)] as char);
        out.push(HEX[usize::from(x & 15)] as char);
    }
}

type Entry = ([u8; 32], SecretKind, Vec<u8>);

/// One line: a secret, nothing (blank, a comment, a label we ignore), or
/// why it is malformed.
fn parse_line(line: &[u8]) -> Result<Option<Entry>, &'static str> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.trim_ascii();
    if line.is_empty() || line.starts_with(b"#") {
        return Ok(None);
    }
    let mut words = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let label = words.next().unwrap_or_default();
    let Some(kind) = std::str::from_utf8(label)
        .ok()
        .and_then(SecretKind::from_label)
    else {
        return if IGNORED_LABELS.iter().any(|l| l.as_bytes() == label) || is_label(label) {
            Ok(None)
        } else {
            Err("not a key log line (LABEL CLIENT_RANDOM SECRET)")
        };
    };
    let (Some(random), Some(secret), None) = (words.next(), words.next(), words.next()) else {
        return Err("expected a label, a client random and a secret");
    };
    let random: [u8; 32] = hex(random)
        .ok_or("the client random is not hexadecimal")?
        .try_into()
        .map_err(|_| "the client random is not 32 bytes")?;
    let secret = hex(secret).ok_or("the secret is not hexadecimal")?;
    let good_len = match kind {
        SecretKind::MasterSecret => secret.len() == 48,
        _ => (32..=MAX_SECRET).contains(&secret.len()),
    };
    if !good_len {
        return Err(match kind {
            SecretKind::MasterSecret => "a master secret is 48 bytes",
            _ => "a traffic secret is 32 or 48 bytes",
        });
    }
    Ok(Some((random, kind, secret)))
}

/// An unknown label of the format (upper case and underscores, as new
/// secrets are named): ignored, as Wireshark does.
fn is_label(w: &[u8]) -> bool {
    !w.is_empty()
        && w.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
}

fn hex(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 2 * MAX_SECRET {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.chunks_exact(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "52362c10a2665e323a2adb4b9da0c10d4a8823719272f8b4c97af24f92784812";

    #[test]
    fn reads_every_label_and_names_bad_lines() {
        let text = format!(
            "# SSL/TLS secrets log file\n\
             CLIENT_RANDOM {R} {ms}\n\
             SERVER_HANDSHAKE_TRAFFIC_SECRET {R} {s32}\r\n\
             EXPORTER_SECRET {R} {s32}\n\
             SOME_FUTURE_SECRET {R} {s32}\n\
             CLIENT_TRAFFIC_SECRET_0 {R} zz\n\
             \n\
             CLIENT_RANDOM abcd {ms}\n\
             hello world\n\
             CLIENT_TRAFFIC_SECRET_0 {R}\n\
             SERVER_TRAFFIC_SECRET_0  {R}   {s48}  \n",
            ms = "ab".repeat(48),
            s32 = "cd".repeat(32),
            s48 = "ef".repeat(48),
        );
        let (log, errors) = KeyLog::parse(text.as_bytes());
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [6, 8, 9, 10], "{errors:?}");
        assert_eq!(errors[0].reason, "the secret is not hexadecimal");
        assert_eq!(errors[1].reason, "the client random is not 32 bytes");
        let random: [u8; 32] = hex(R.as_bytes()).unwrap().try_into().unwrap();
        assert_eq!(
            log.get(&random, SecretKind::MasterSecret),
            Some(&[0xab; 48][..])
        );
        assert_eq!(
            log.get(&random, SecretKind::ServerHandshake),
            Some(&[0xcd; 32][..])
        );
        assert_eq!(
            log.get(&random, SecretKind::ServerTraffic0),
            Some(&[0xef; 48][..])
        );
        assert_eq!(log.get(&random, SecretKind::ClientTraffic0), None);
        assert_eq!(log.sessions(), 1);
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let text = format!("CLIENT_RANDOM {R} {}\n", "ab".repeat(48));
        let (log, _) = KeyLog::parse(text.as_bytes());
        let shown = format!("{log:?}");
        assert_eq!(shown, "KeyLog(1 secrets)");
    }

    #[test]
    fn text_round_trips() {
        let text = format!(
            "SERVER_TRAFFIC_SECRET_0 {R} {s}\nCLIENT_RANDOM {R} {m}\n",
            s = "01".repeat(32),
            m = "02".repeat(48)
        );
        let (log, errors) = KeyLog::parse(text.as_bytes());
        assert!(errors.is_empty());
        let again = KeyLog::parse(log.to_text().as_bytes()).0;
        assert_eq!(again, log);
        assert!(log.to_text().starts_with("CLIENT_RANDOM "));
    }
}
