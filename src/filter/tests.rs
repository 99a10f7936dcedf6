//! Compile errors and their spans; evaluation against tshark is in
//! `tests/filters.rs`.

use super::*;

#[test]
fn errors_have_spans() {
    // (filter, message start, span start, span length)
    let table: &[(&str, &str, usize, usize)] = &[
        ("tcp.prot == 80", "\"tcp.prot\" is not a valid", 0, 8),
        ("tcp.port == 80 &&", "the filter ends", 17, 0),
        ("tcp.port == 80 )", "\")\" was unexpected", 15, 1),
        ("(tcp.port == 80", "the filter ends", 15, 0),
        ("tcp.port == 8a0", "\"8a0\" is not a number", 12, 3),
        (
            "ip.addr == 10.0.0.0/33",
            "\"10.0.0.0/33\" is not a network: the prefix length",
            11,
            11,
        ),
        ("ip.addr == 10.0.0", "\"10.0.0\" is not an IPv4", 11, 6),
        ("eth.src == 00:11", "\"00:11\" is not a MAC", 11, 5),
        (
            "tcp.port[0:2] == 00:50",
            "\"tcp.port\" is not a byte string",
            0,
            13,
        ),
        ("frame contains", "the filter ends", 14, 0),
        (
            "http.host matches abc",
            "\"matches\" needs a regular",
            18,
            3,
        ),
        ("http.host matches \"(\"", "bad regular expression", 18, 3),
        ("tcp.port in {80", "the filter ends", 15, 0),
        ("tcp.port in {}", "a set needs", 13, 1),
        (
            "tcp.analysis.retransmission == 1",
            "\"tcp.analysis.retransmission\" has no value",
            0,
            32,
        ),
        ("tcp.port == \"80", "the string is not closed", 12, 3),
        ("tcp.port $ 80", "\"$\" was unexpected", 9, 1),
        (
            "frobnicate(tcp.port) == 1",
            "\"frobnicate\" is not a function",
            0,
            20,
        ),
        ("len(tcp.port) == 1", "len() needs", 4, 8),
        ("1 == 2", "a comparison needs a field", 0, 1),
        ("tcp.srcport == ip.src", "the two sides", 0, 21),
        ("frame.time_relative > abc", "\"abc\" is not a time", 22, 3),
        ("tcp.flags & ip.src", "\"&\" needs a number", 12, 6),
        ("", "the filter is empty", 0, 0),
        ("tcp.port ==", "the filter ends", 11, 0),
        ("tcp.port == 80 80", "\"80\" was unexpected", 15, 2),
        ("eth.src[0:x] == 00", "\"[0:x]\" is not a valid slice", 7, 5),
        ("tcp contains", "the filter ends", 12, 0),
    ];
    let mut wrong = Vec::new();
    for (f, msg, start, len) in table {
        match DisplayFilter::compile(f) {
            Ok(_) => wrong.push(format!("{f}: compiled")),
            Err(e) if !e.message.starts_with(msg) || e.span != Span::new(*start, *len) => {
                wrong.push(format!("{f}: {:?} at {:?}", e.message, e.span))
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn typos_suggest_the_field() {
    let e = DisplayFilter::compile("tcp.prot == 80").unwrap_err();
    assert_eq!(e.suggestion.as_deref(), Some("tcp.port"));
    assert_eq!(
        e.to_string(),
        "\"tcp.prot\" is not a valid protocol or protocol field. Did you mean \"tcp.port\"?"
    );
    assert_eq!(
        e.render("tcp.prot == 80").lines().last(),
        Some("    ^~~~~~~~")
    );
}

#[test]
fn hostile_filters_are_refused_not_fatal() {
    let long = vec!["tcp"; 5000].join(" or ");
    assert!(DisplayFilter::compile(&long).is_err());
    let deep = format!("{}tcp{}", "(".repeat(300), ")".repeat(300));
    assert!(DisplayFilter::compile(&deep).is_err());
    let nots = format!("{}tcp", "!".repeat(1000));
    assert!(DisplayFilter::compile(&nots).is_err());
}

#[test]
fn a_filter_set_keeps_positions_past_a_filter_that_does_not_compile() {
    let (set, errors) = super::FilterSet::compile(["udp", "tcp.prot == 1", "!udp"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, 1);
    // Nothing dissected: `udp` is false, `!udp` true, and it is third.
    let sink = set.sink();
    assert_eq!(set.first_match(&sink, &[]), Some(2));
}
