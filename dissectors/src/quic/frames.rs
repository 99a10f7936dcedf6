//! QUIC frames (RFC 9000 §19, RFC 9221's DATAGRAM, and the ACK_FREQUENCY
//! and TIME_STAMP extensions tshark shows): one frame read at a time from
//! a decrypted payload, each field handed to `emit` with its place, so
//! that the dissector shows them and the analysis, emitting nothing,
//! takes what it needs (CRYPTO data, new connection IDs).

use super::header::varint;
use crate::field::{Base, FieldDef, FieldType as T};

crate::fields! {
    FRAME = FieldDef::new("quic.frame", "Frame", T::None);
    FRAME_TYPE = FieldDef::new("quic.frame_type", "Frame Type", T::U64).names(FRAME_TYPES);
    PADDING_LENGTH = FieldDef::new("quic.padding_length", "Padding Length", T::U32);
    ACK_LARGEST = FieldDef::new("quic.ack.largest_acknowledged", "Largest Acknowledged", T::U64);
    ACK_DELAY = FieldDef::new("quic.ack.ack_delay", "ACK Delay", T::U64);
    ACK_RANGE_COUNT = FieldDef::new("quic.ack.ack_range_count", "ACK Range Count", T::U64);
    ACK_FIRST_RANGE = FieldDef::new("quic.ack.first_ack_range", "First ACK Range", T::U64);
    ACK_GAP = FieldDef::new("quic.ack.gap", "Gap", T::U64);
    ACK_RANGE = FieldDef::new("quic.ack.ack_range", "ACK Range", T::U64);
    ACK_ECT0 = FieldDef::new("quic.ack.ect0_count", "ECT(0) Count", T::U64);
    ACK_ECT1 = FieldDef::new("quic.ack.ect1_count", "ECT(1) Count", T::U64);
    ACK_CE = FieldDef::new("quic.ack.ecn_ce_count", "ECN-CE Count", T::U64);
    RS_STREAM = FieldDef::new("quic.rsts.stream_id", "Stream ID", T::U64);
    RS_ERROR = FieldDef::new("quic.rsts.application_error_code", "Application Error code", T::U64);
    RS_FINAL = FieldDef::new("quic.rsts.final_size", "Final Size", T::U64);
    SS_STREAM = FieldDef::new("quic.ss.stream_id", "Stream ID", T::U64);
    SS_ERROR = FieldDef::new("quic.ss.application_error_code", "Application Error code", T::U64);
    CRYPTO_OFFSET = FieldDef::new("quic.crypto.offset", "Offset", T::U64);
    CRYPTO_LENGTH = FieldDef::new("quic.crypto.length", "Length", T::U64);
    CRYPTO_DATA = FieldDef::new("quic.crypto.crypto_data", "Crypto Data", T::None);
    NT_LENGTH = FieldDef::new("quic.nt.length", "(Token) Length", T::U64);
    NT_TOKEN = FieldDef::new("quic.nt.token", "Token", T::Bytes);
    STREAM_FIN = FieldDef::new("quic.stream.fin", "Fin", T::Boolean).mask(0x01);
    STREAM_LEN = FieldDef::new("quic.stream.len", "Length(LEN)", T::Boolean).mask(0x02);
    STREAM_OFF = FieldDef::new("quic.stream.off", "Offset(OFF)", T::Boolean).mask(0x04);
    STREAM_ID = FieldDef::new("quic.stream.stream_id", "Stream ID", T::U64);
    STREAM_OFFSET = FieldDef::new("quic.stream.offset", "Offset", T::U64);
    STREAM_LENGTH = FieldDef::new("quic.stream.length", "Length", T::U64);
    STREAM_DATA = FieldDef::new("quic.stream_data", "Stream Data", T::Bytes);
    MD = FieldDef::new("quic.md.maximum_data", "Maximum Data", T::U64);
    MSD_STREAM = FieldDef::new("quic.msd.stream_id", "Stream ID", T::U64);
    MSD = FieldDef::new("quic.msd.maximum_stream_data", "Maximum Stream Data", T::U64);
    MS = FieldDef::new("quic.ms.max_streams", "Max Streams", T::U64);
    DB = FieldDef::new("quic.db.stream_data_limit", "Stream Data Limit", T::U64);
    SDB_STREAM = FieldDef::new("quic.sdb.stream_id", "Stream ID", T::U64);
    SDB = FieldDef::new("quic.sdb.stream_data_limit", "Stream Data Limit", T::U64);
    SB = FieldDef::new("quic.sb.stream_limit", "Stream Limit", T::U64);
    NCI_SEQUENCE = FieldDef::new("quic.nci.sequence", "Sequence", T::U64);
    NCI_RETIRE = FieldDef::new("quic.nci.retire_prior_to", "Retire Prior To", T::U64);
    NCI_CID_LENGTH = FieldDef::new("quic.nci.connection_id.length", "Connection ID Length", T::U8);
    NCI_CID = FieldDef::new("quic.nci.connection_id", "Connection ID", T::Bytes);
    NCI_TOKEN = FieldDef::new("quic.nci.stateless_reset_token", "Stateless Reset Token", T::Bytes);
    RCI_SEQUENCE = FieldDef::new("quic.rci.sequence", "Sequence", T::U64);
    PATH_CHALLENGE = FieldDef::new("quic.path_challenge.data", "Data", T::Bytes);
    PATH_RESPONSE = FieldDef::new("quic.path_response.data", "Data", T::Bytes);
    CC_ERROR = FieldDef::new("quic.cc.error_code", "Error code", T::U64).names(TRANSPORT_ERRORS);
    CC_ERROR_APP = FieldDef::new("quic.cc.error_code.app", "Application Error code", T::U64);
    CC_FRAME_TYPE = FieldDef::new("quic.cc.frame_type", "Frame Type", T::U64);
    CC_REASON_LENGTH = FieldDef::new("quic.cc.reason_phrase.length", "Reason phrase Length", T::U64);
    CC_REASON = FieldDef::new("quic.cc.reason_phrase", "Reason phrase", T::String);
    DG_LENGTH = FieldDef::new("quic.dg.length", "Datagram Length", T::U64);
    DG = FieldDef::new("quic.dg", "Datagram", T::Bytes);
    AF_SEQUENCE = FieldDef::new("quic.af.sequence_number", "Sequence Number", T::U64);
    AF_THRESHOLD = FieldDef::new("quic.af.ack_eliciting_threshold", "Ack-Eliciting Threshold", T::U64);
    AF_MAX_DELAY = FieldDef::new("quic.af.request_max_ack_delay", "Request Max Ack Delay", T::U64);
    AF_LAST_BYTE = FieldDef::new("quic.af.last_byte", "Last Byte", T::U8).base(Base::Hex);
    AF_RESERVED = FieldDef::new("quic.af.reserved", "Reserved", T::U8).mask(0xfc);
    AF_IGNORE_ORDER = FieldDef::new("quic.af.ignore_order", "Ignore Order", T::Boolean).mask(0x02);
    AF_IGNORE_CE = FieldDef::new("quic.af.ignore_ce", "Ignore CE", T::Boolean).mask(0x01);
    TS = FieldDef::new("quic.ts", "Time Stamp", T::U64);
}

pub static FRAME_TYPES: &[(u64, &str)] = &[
    (0x00, "PADDING"),
    (0x01, "PING"),
    (0x02, "ACK"),
    (0x03, "ACK"),
    (0x04, "RESET_STREAM"),
    (0x05, "STOP_SENDING"),
    (0x06, "CRYPTO"),
    (0x07, "NEW_TOKEN"),
    (0x08, "STREAM"),
    (0x09, "STREAM"),
    (0x0a, "STREAM"),
    (0x0b, "STREAM"),
    (0x0c, "STREAM"),
    (0x0d, "STREAM"),
    (0x0e, "STREAM"),
    (0x0f, "STREAM"),
    (0x10, "MAX_DATA"),
    (0x11, "MAX_STREAM_DATA"),
    (0x12, "MAX_STREAMS (BIDI)"),
    (0x13, "MAX_STREAMS (UNI)"),
    (0x14, "DATA_BLOCKED"),
    (0x15, "STREAM_DATA_BLOCKED"),
    (0x16, "STREAMS_BLOCKED (BIDI)"),
    (0x17, "STREAMS_BLOCKED (UNI)"),
    (0x18, "NEW_CONNECTION_ID"),
    (0x19, "RETIRE_CONNECTION_ID"),
    (0x1a, "PATH_CHALLENGE"),
    (0x1b, "PATH_RESPONSE"),
    (0x1c, "CONNECTION_CLOSE (Transport)"),
    (0x1d, "CONNECTION_CLOSE (Application)"),
    (0x1e, "HANDSHAKE_DONE"),
    (0x30, "DATAGRAM"),
    (0x31, "DATAGRAM"),
    (0xaf, "ACK_FREQUENCY"),
    (0x02f5, "TIME_STAMP"),
];

pub static TRANSPORT_ERRORS: &[(u64, &str)] = &[
    (0x00, "NO_ERROR"),
    (0x01, "INTERNAL_ERROR"),
    (0x02, "CONNECTION_REFUSED"),
    (0x03, "FLOW_CONTROL_ERROR"),
    (0x04, "STREAM_LIMIT_ERROR"),
    (0x05, "STREAM_STATE_ERROR"),
    (0x06, "FINAL_SIZE_ERROR"),
    (0x07, "FRAME_ENCODING_ERROR"),
    (0x08, "TRANSPORT_PARAMETER_ERROR"),
    (0x09, "CONNECTION_ID_LIMIT_ERROR"),
    (0x0a, "PROTOCOL_VIOLATION"),
    (0x0b, "INVALID_TOKEN"),
    (0x0c, "APPLICATION_ERROR"),
    (0x0d, "CRYPTO_BUFFER_EXCEEDED"),
    (0x0e, "KEY_UPDATE_ERROR"),
    (0x0f, "AEAD_LIMIT_REACHED"),
    (0x10, "NO_VIABLE_PATH"),
];

/// ACK ranges read per frame at most (a hostile count is cut here).
const MAX_ACK_RANGES: u64 = 256;

/// One frame as read: its type, where it ends, and what the analysis
/// and the Info column need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRead {
    pub ty: u64,
    pub end: usize,
    /// STREAM, RESET_STREAM, STOP_SENDING, MAX_STREAM_DATA,
    /// STREAM_DATA_BLOCKED: the stream; NEW_CONNECTION_ID: its sequence.
    pub id: u64,
    /// CRYPTO and STREAM: the data's offset in its stream.
    pub offset: u64,
    /// CRYPTO, STREAM, NEW_TOKEN, DATAGRAM, NEW_CONNECTION_ID (the
    /// connection ID): the bytes' place.
    pub data: Option<(usize, usize)>,
    pub fin: bool,
}

/// Where a field is and its value: what [`read_frame`] hands `emit`.
pub type Emit<'e> = dyn FnMut(&'static FieldDef, usize, usize, u64) + 'e;

struct Cursor<'b, 'e> {
    b: &'b [u8],
    at: usize,
    emit: &'e mut Emit<'e>,
}

impl Cursor<'_, '_> {
    fn var(&mut self, def: &'static FieldDef) -> Option<u64> {
        let (v, n) = varint(self.b, self.at)?;
        (self.emit)(def, self.at, n, v);
        self.at += n;
        Some(v)
    }

    /// `len` bytes as one field; None when they are not all there.
    fn bytes(&mut self, def: &'static FieldDef, len: u64) -> Option<(usize, usize)> {
        let len = usize::try_from(len).ok()?;
        let end = self.at.checked_add(len)?;
        if end > self.b.len() {
            return None;
        }
        (self.emit)(def, self.at, len, 0);
        let place = (self.at, len);
        self.at = end;
        Some(place)
    }
}

/// Reads the frame at `at` of a decrypted payload `b`; None when it is
/// cut short or of a type this does not know (the rest is not read).
pub fn read_frame<'e>(b: &[u8], at: usize, emit: &'e mut Emit<'e>) -> Option<FrameRead> {
    let (ty, n) = varint(b, at)?;
    emit(&FRAME_TYPE, at, n, ty);
    let mut c = Cursor {
        b,
        at: at + n,
        emit,
    };
    let mut r = FrameRead {
        ty,
        end: 0,
        id: 0,
        offset: 0,
        data: None,
        fin: false,
    };
    match ty {
        0x00 => {
            let zeros = b[c.at..].iter().take_while(|&&x| x == 0).count();
            (c.emit)(&PADDING_LENGTH, c.at, 0, 1 + zeros as u64);
            c.at += zeros;
        }
        0x01 | 0x1e => {}
        0x02 | 0x03 => {
            c.var(&ACK_LARGEST)?;
            c.var(&ACK_DELAY)?;
            let ranges = c.var(&ACK_RANGE_COUNT)?;
            c.var(&ACK_FIRST_RANGE)?;
            if ranges > MAX_ACK_RANGES {
                return None;
            }
            for _ in 0..ranges {
                c.var(&ACK_GAP)?;
                c.var(&ACK_RANGE)?;
            }
            if ty == 0x03 {
                c.var(&ACK_ECT0)?;
                c.var(&ACK_ECT1)?;
                c.var(&ACK_CE)?;
            }
        }
        0x04 => {
            r.id = c.var(&RS_STREAM)?;
            c.var(&RS_ERROR)?;
            c.var(&RS_FINAL)?;
        }
        0x05 => {
            r.id = c.var(&SS_STREAM)?;
            c.var(&SS_ERROR)?;
        }
        0x06 => {
            r.offset = c.var(&CRYPTO_OFFSET)?;
            let len = c.var(&CRYPTO_LENGTH)?;
            r.data = Some(c.bytes(&CRYPTO_DATA, len)?);
        }
        0x07 => {
            let len = c.var(&NT_LENGTH)?;
            r.data = Some(c.bytes(&NT_TOKEN, len)?);
        }
        0x08..=0x0f => {
            for def in [&STREAM_FIN, &STREAM_LEN, &STREAM_OFF] {
                (c.emit)(def, at, n, ty);
            }
            r.id = c.var(&STREAM_ID)?;
            if ty & 0x04 != 0 {
                r.offset = c.var(&STREAM_OFFSET)?;
            }
            let len = if ty & 0x02 != 0 {
                c.var(&STREAM_LENGTH)?
            } else {
                (b.len() - c.at) as u64
            };
            r.fin = ty & 0x01 != 0;
            r.data = Some(c.bytes(&STREAM_DATA, len)?);
        }
        0x10 => {
            c.var(&MD)?;
        }
        0x11 => {
            r.id = c.var(&MSD_STREAM)?;
            c.var(&MSD)?;
        }
        0x12 | 0x13 => {
            c.var(&MS)?;
        }
        0x14 => {
            c.var(&DB)?;
        }
        0x15 => {
            r.id = c.var(&SDB_STREAM)?;
            c.var(&SDB)?;
        }
        0x16 | 0x17 => {
            c.var(&SB)?;
        }
        0x18 => {
            r.id = c.var(&NCI_SEQUENCE)?;
            c.var(&NCI_RETIRE)?;
            let len = *b.get(c.at)?;
            (c.emit)(&NCI_CID_LENGTH, c.at, 1, len.into());
            c.at += 1;
            r.data = Some(c.bytes(&NCI_CID, len.into())?);
            c.bytes(&NCI_TOKEN, 16)?;
        }
        0x19 => {
            r.id = c.var(&RCI_SEQUENCE)?;
        }
        0x1a => {
            c.bytes(&PATH_CHALLENGE, 8)?;
        }
        0x1b => {
            c.bytes(&PATH_RESPONSE, 8)?;
        }
        0x1c | 0x1d => {
            if ty == 0x1c {
                r.id = c.var(&CC_ERROR)?;
                c.var(&CC_FRAME_TYPE)?;
            } else {
                r.id = c.var(&CC_ERROR_APP)?;
            }
            let len = c.var(&CC_REASON_LENGTH)?;
            r.data = Some(c.bytes(&CC_REASON, len)?);
        }
        0x30 | 0x31 => {
            let len = if ty == 0x31 {
                c.var(&DG_LENGTH)?
            } else {
                (b.len() - c.at) as u64
            };
            r.data = Some(c.bytes(&DG, len)?);
        }
        0xaf => {
            // draft-ietf-quic-ack-frequency-02, as tshark 4.0 reads it.
            c.var(&AF_SEQUENCE)?;
            c.var(&AF_THRESHOLD)?;
            c.var(&AF_MAX_DELAY)?;
            let last = *b.get(c.at)?;
            for def in [&AF_LAST_BYTE, &AF_RESERVED, &AF_IGNORE_ORDER, &AF_IGNORE_CE] {
                (c.emit)(def, c.at, 1, last.into());
            }
            c.at += 1;
        }
        0x02f5 => {
            c.var(&TS)?;
        }
        _ => return None,
    }
    r.end = c.at;
    Some(r)
}

/// What a frame adds to the Info column (tshark's abbreviations); None
/// for frames it leaves out.
pub fn info(r: &FrameRead) -> Option<String> {
    Some(match r.ty {
        0x00 => "PADDING".into(),
        0x01 => "PING".into(),
        0x02 => "ACK".into(),
        0x03 => "ACK_ECN".into(),
        0x04 => format!("RS({})", r.id),
        0x05 => format!("SS({})", r.id),
        0x06 => "CRYPTO".into(),
        0x07 => "NT".into(),
        0x08..=0x0f => format!("STREAM({})", r.id),
        0x10 => "MD".into(),
        0x11 => format!("MSD({})", r.id),
        0x12 | 0x13 => "MS".into(),
        0x14 => "DB".into(),
        0x15 => format!("SDB({})", r.id),
        0x16 | 0x17 => "SB".into(),
        0x18 => "NCI".into(),
        0x19 => "RC".into(),
        0x1a => "PC".into(),
        0x1b => "PR".into(),
        0x1c | 0x1d => "CC".into(),
        0x1e => "DONE".into(),
        0x30 | 0x31 => "DG".into(),
        0xaf => "AF".into(),
        0x02f5 => "TS".into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(b: &[u8]) -> Option<FrameRead> {
        read_frame(b, 0, &mut |_, _, _, _| {})
    }

    #[test]
    fn a_stream_frame_with_offset_length_and_fin() {
        let f = read(&[0x0f, 0x04, 0x40, 0x10, 0x03, b'a', b'b', b'c', 0]).unwrap();
        assert_eq!(
            (f.id, f.offset, f.data, f.fin, f.end),
            (4, 16, Some((5, 3)), true, 8)
        );
        assert_eq!(info(&f).as_deref(), Some("STREAM(4)"));
    }

    #[test]
    fn padding_runs_to_the_first_non_zero_byte() {
        let f = read(&[0, 0, 0, 1]).unwrap();
        assert_eq!(f.end, 3);
    }

    #[test]
    fn cut_or_unknown_frames_end_the_payload() {
        assert_eq!(read(&[0x06, 0x00, 0x05, 1, 2]), None);
        assert_eq!(read(&[0x21]), None);
        // An ACK claiming more ranges than any packet holds.
        assert_eq!(read(&[0x02, 1, 0, 0x7f, 0xff, 0]), None);
    }
}
