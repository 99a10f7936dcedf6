//! The Certificate message: each certificate read with x509-parser.

use super::*;

/// The certificate chain (TLS 1.2 and before: TLS 1.3 sends it encrypted).
pub(super) fn certificates<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>) {
    let d = m.b;
    let Some(total) = bytes::be24(d, 0) else {
        return;
    };
    cx.field(&CERTIFICATES_LENGTH, m.span(0, 3), Value::U64(total.into()));
    let list = d.get(3..3 + total as usize).unwrap_or(&d[3..]);
    if list.is_empty() {
        return;
    }
    cx.labeled(
        &CERTIFICATES,
        m.span(3, list.len()),
        Value::None,
        format_args!("Certificates ({total} bytes)"),
    );
    cx.push();
    let mut o = 3;
    while o + 3 <= 3 + list.len() {
        let n = bytes::be24(d, o).unwrap_or(0) as usize;
        let der = d.get(o + 3..o + 3 + n).unwrap_or(&[]);
        cx.field(&CERTIFICATE_LENGTH, m.span(o, 3), Value::U64(n as u64));
        certificate(cx, m, o + 3, der);
        o += 3 + n;
    }
    cx.pop();
}

pub(super) fn certificate<S: Sink>(cx: &mut Cx<'_, S>, m: Area<'_>, o: usize, der: &[u8]) {
    use x509_parser::prelude::*;
    let span = m.span(o, der.len());
    match X509Certificate::from_der(der) {
        Ok((_, cert)) => {
            let subject = cert.subject().to_string();
            cx.sink.field_with_label(
                &CERTIFICATE,
                span,
                Value::Bytes(der),
                Presence::Normal,
                format_args!("Certificate: {} ({subject})", short_hex(der)),
            );
            cx.push();
            cx.field(&X509_SERIAL, span, Value::Bytes(cert.raw_serial()));
            cx.field(&X509_ISSUER, span, Value::Str(&cert.issuer().to_string()));
            cx.field(&X509_SUBJECT, span, Value::Str(&subject));
            let v = cert.validity();
            cx.field(
                &X509_NOT_BEFORE,
                span,
                Value::Str(&v.not_before.to_string()),
            );
            cx.field(&X509_NOT_AFTER, span, Value::Str(&v.not_after.to_string()));
            if let Ok(Some(san)) = cert.subject_alternative_name() {
                for name in &san.value.general_names {
                    if let GeneralName::DNSName(n) = name {
                        cx.field(&X509_DNS_NAME, span, Value::Str(n));
                    }
                }
            }
            cx.pop();
        }
        Err(_) => cx.field(&CERTIFICATE, span, Value::Bytes(der)),
    }
}

pub(super) fn short_hex(b: &[u8]) -> String {
    let mut s: String = b.iter().take(16).map(|x| format!("{x:02x}")).collect();
    if b.len() > 16 {
        s.push('…');
    }
    s
}
