//! wirelens' protocol engine: bytes in, typed views and field trees out.
//!
//! No I/O, no UI. Every packet is attacker-controlled: nothing here panics
//! or allocates without bound on hostile input (the fuzz targets in `fuzz/`
//! hold it to that).
#![forbid(unsafe_code)]

pub mod ber;
pub mod bytes;
pub mod checksum_tree;
pub mod collect;
pub mod decode_as;
pub mod expert;
pub mod field;
pub mod frame;
pub mod frame_flags;
pub mod packet;
pub mod proto;
pub mod proxy;
pub mod registry;
pub mod shared;
pub mod sink;
pub mod table;
pub mod text_lines;
pub mod tree;

#[doc(hidden)]
pub mod harness;

/// TLS secrets from a key log (TLS and QUIC read them).
pub mod keylog;

pub mod app;
pub mod arp;
pub mod cdp;
pub mod cmd;
pub mod data;
pub mod db_lsp;
pub mod dhcp;
pub mod dhcpv6;
pub mod dns;
pub mod ethernet;
pub mod ethertype;
pub mod ftp;
pub mod geneve;
pub mod gre;
pub mod grpc;
pub mod hpack;
pub mod http;
pub mod http2;
pub mod http2_body;
pub mod http3;
pub mod icmp;
pub mod icmp_echo;
pub mod icmpv6;
pub mod igmp;
pub mod imap;
pub mod imf;
pub mod ip;
pub mod ipproto;
pub mod ipv4;
pub mod ipv6;
pub mod ipv6_embedded;
pub mod json;
pub mod llc;
pub mod lldp;
pub mod loopback;
pub mod media;
pub mod mpls;
pub mod multipart;
pub mod nbns;
pub mod ntp;
pub mod pop;
pub mod ppp;
pub mod pptp;
pub mod qpack;
pub mod quic;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod sip;
pub mod sll;
pub mod smtp;
pub mod snmp;
pub mod sse;
pub mod ssh;
pub mod stp;
pub mod syslog;
pub mod tcp;
pub mod teredo;
pub mod text_media;
pub mod tftp;
pub mod tls;
pub mod udp;
pub mod urlencoded_form;
pub mod vxlan;
pub mod websocket;
pub mod xml;

pub mod analysis;
pub mod conversation;
pub mod ip_reassembly;
pub mod pdu_framing;
pub mod pdu_tape;
pub mod pieces_tree;
pub mod tape;
pub mod tape_codec;
pub mod tcp_analysis;
pub mod tcp_pdu;
pub mod tcp_reassembly;

pub use packet::{FrameMeta, Options, PacketInfo};
pub use registry::dissect_frame;
