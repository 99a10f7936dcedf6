#!/usr/bin/env python3
"""Write the golden files the tests compare against, from tshark (4.0.x).

    python3 tests/tools/make_goldens.py [--only packets|fields|follow|truth|app] [FIXTURE ...]

For each capture in tests/fixtures/ it writes tests/golden/<file name>/:
  packets.tsv  number, frame.protocols, Source, Destination, tcp.stream,
               udp.stream, Protocol, Info, frame.time_epoch, frame.interface_id
               (one line per frame)
  fields.tsv   every field tshark shows for the protocols wirelens dissects, in
               the first 300 frames: number, name, offset, length, value (long
               byte strings hashed)
  follow.json  every TCP stream as tshark -z follow,tcp,raw delivers it (chunk
               lengths and hashes, gap markers)
  truth.json   ../shared/tools/tshark_truth.py's view (conversations, TCP
               analysis, DNS, TLS, HTTP...), for captures tshark reads fully
  app.json     the same script's DNS, TLS, HTTP and HTTP/2 sections, from
               tshark run as wirelens reassembles TCP: out-of-order segments
               put in place (tcp.reassemble_out_of_order:TRUE), with the
               decode-as rules below

tshark runs with TZ=UTC and -o ip.check_checksum:TRUE (wirelens verifies IPv4
header checksums by default; Wireshark does not). Run it once after adding a
fixture or a dissector and commit the result; the tests never run tshark.
"""
import json
import re
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
GOLDEN = os.path.join(ROOT, "tests", "golden")
TRUTH = os.path.join(ROOT, "..", "shared", "tools", "tshark_truth.py")

# Protocols whose fields are compared (prefixes of field names).
FIELD_PREFIXES = ("eth.", "vlan.", "ieee8021ad.", "ieee8021ah.", "sll.", "null.", "arp.", "ip.", "ipv6.",
                  "icmp.", "icmpv6.", "tcp.", "udp.", "data.", "frame.", "snmp.", "json.", "xml.", "smtp.", "imf.", "proxy.", "mime_multipart.", "quic.", "http3.", "websocket.")
# Fields of those protocols that wirelens does not produce (name resolution,
# preferences off by default, forward references that a single pass cannot know).
FIELD_SKIP = {"frame.encap_type", "frame.offset_shift", "frame.time_delta_displayed", "frame.marked",
              "frame.ignored", "frame.time", "eth.dst_resolved", "eth.src_resolved", "eth.addr_resolved",
              "eth.dst.oui_resolved", "eth.src.oui_resolved", "eth.addr.oui_resolved"}

ENV = dict(os.environ, TZ="UTC", LC_ALL="C")
PREFS = ["-n", "-o", "ip.check_checksum:TRUE"]
# Decode-as rules some captures need (see ../shared/captures/MANIFEST.md).
DECODE_AS = {
    "packt_grpc_bidi-streaming": ["-d", "tcp.port==50051,http2"],
    "packt_grpc_server-streaming": ["-d", "tcp.port==50051,http2"],
    "ndpi_tls_port_80": ["-d", "tcp.port==80,tls"],
}


def keylog(path):
    """tshark's key log option for a fixture with a NAME.keys beside it."""
    keys = os.path.splitext(path)[0] + ".keys"
    return ["-o", "tls.keylog_file:" + keys] if os.path.exists(keys) else []


def app_truth(path):
    """tshark_truth.py's application sections, with wirelens' reassembly."""
    sys.path.insert(0, os.path.dirname(TRUTH))
    import tshark_truth as tt
    stem = os.path.splitext(os.path.basename(path))[0]
    ts = tt.TShark(path)
    ts.opts += ["-o", "ip.check_checksum:TRUE", "-o", "tcp.reassemble_out_of_order:TRUE"] + DECODE_AS.get(stem, []) + keylog(path)
    frames = tt.load_frames(ts)
    out = {"generator": {"tool": tt.tshark_version(), "script": "tshark_truth.py (application sections)",
                         "tshark_options": ts.opts}}
    for name, fn in (("dns", lambda: tt.dns_section(ts)), ("tls", lambda: tt.tls_section(ts)),
                     ("http", lambda: tt.http_section(ts)), ("http2", lambda: tt.h2_section(ts, frames))):
        v = fn()
        if v:
            out[name] = v
    # DNS over HTTPS: the script reads DNS from the JSON's top-level layers,
    # where tshark nests DoH's under http2; read it from fields instead.
    doh = []
    for r in ts.fields("dns && (http2 || http)", ["frame.number", "dns.id", "dns.flags.response", "dns.qry.name",
                                                  "dns.response_to", "dns.time"]):
        n, i, resp, name, to, t = (x[0] if x else None for x in r)
        doh.append({"frame": int(n), "id": tt.intish(i), "response": resp == "1", "name": name,
                    "response_to": int(to) if to else None, "time": float(t) if t else None})
    if doh:
        out["doh"] = doh
    return out if len(out) > 1 else None


def tshark(path, args, check=False):
    stem = os.path.splitext(os.path.basename(path))[0]
    cmd = ["tshark", "-r", path] + PREFS + DECODE_AS.get(stem, []) + keylog(path) + args
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", env=ENV)
    if check and res.returncode != 0:
        raise RuntimeError(res.stderr)
    return res.stdout, res.returncode


def packets_tsv(path):
    cols = ["frame.number", "frame.protocols", "_ws.col.Source", "_ws.col.Destination", "tcp.stream",
            "udp.stream", "_ws.col.Protocol", "_ws.col.Info", "frame.time_epoch", "frame.interface_id"]
    args = ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for c in cols:
        args += ["-e", c]
    out, _ = tshark(path, args)
    return out


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def show(v):
    """Long byte strings as `fnv:<hash>:<length>` (the tests compute the same)."""
    if len(v) > 96 and all(c in "0123456789abcdef:" for c in v):
        raw = bytes.fromhex(v.replace(":", ""))
        return "fnv:%016x:%d" % (fnv1a(raw), len(raw))
    return v.replace("\t", " ").replace("\n", " ")


def walk(obj, out):
    if isinstance(obj, dict):
        raws = {k[:-4]: v for k, v in obj.items() if k.endswith("_raw") and isinstance(v, list)}
        for k, v in obj.items():
            # `x_raw` lists are the bytes of field `x`; a field may itself end in
            # `_raw` (tcp.seq_raw), so only lists are skipped.
            if k.endswith("_raw") and isinstance(v, list):
                continue
            if k.endswith("_tree") or k == "_ws.expert" or not isinstance(v, (str, list)):
                walk(v, out)
                continue
            shows = v if isinstance(v, list) else [v]
            raw = raws.get(k)
            if raw and isinstance(raw[0], list):
                raw_list = raw
            else:
                raw_list = [raw] * len(shows)
            for i, s in enumerate(shows):
                if isinstance(s, (dict, list)):
                    walk(s, out)
                    continue
                r = raw_list[i] if i < len(raw_list) else None
                off, ln = (r[1], r[2]) if r and len(r) >= 3 else (-1, -1)
                out.append((k, s, off, ln))
    elif isinstance(obj, list):
        for v in obj:
            walk(v, out)


# Field goldens cover the first frames of each capture (they grow fast).
FIELD_FRAMES = 300


def fields_tsv(path):
    out, _ = tshark(path, ["-T", "json", "-x", "--no-duplicate-keys", "-c", str(FIELD_FRAMES)])
    try:
        pkts = json.loads(out) if out.strip() else []
    except json.JSONDecodeError:
        return ""
    lines = []
    for p in pkts:
        layers = p["_source"]["layers"]
        no = layers["frame"]["frame.number"]
        fl = []
        for lname, lval in layers.items():
            if lname.endswith("_raw"):
                continue
            walk(lval, fl)
        for name, value, off, ln in fl:
            if not name.startswith(FIELD_PREFIXES) or name in FIELD_SKIP:
                continue
            lines.append("%s\t%s\t%s\t%s\t%s" % (no, name, off, ln, show(value)))
    return "\n".join(lines) + ("\n" if lines else "")


def follow_tls_json(path):
    """For a fixture with a key log: every TCP stream's decrypted TLS
    application data as tshark -z follow,tls,raw delivers it, as a list of
    chunks (length, fnv of its bytes) in order. tshark 4.0 numbers the
    nodes of a TLS stream wrongly (Node 1 ":0"), so sides are not kept."""
    if not keylog(path):
        return None
    ids, _ = tshark(path, ["-T", "fields", "-e", "tcp.stream", "-Y", "tls"])
    out = {}
    for sid in sorted({int(x) for x in ids.split() if x.strip().isdigit()}):
        text, _ = tshark(path, ["-q", "-z", "follow,tls,raw,%d" % sid])
        block = text.split("===================================================================")[1]
        chunks = []
        for line in block.strip("\n").splitlines():
            if line.strip() and not line.startswith(("Follow:", "Filter:", "Node ")):
                raw = bytes.fromhex(line.strip())
                chunks.append([len(raw), "%016x" % fnv1a(raw)])
        out[str(sid)] = chunks
    return out


def follow_json(path):
    """Every TCP stream followed by tshark (raw): per stream the two nodes and the
    chunks in delivery order, each as (node, length, fnv of its bytes); tshark's
    "[N bytes missing in capture file]" markers as (node, "gap", N)."""
    ids, _ = tshark(path, ["-T", "fields", "-e", "tcp.stream"])
    streams = sorted({int(x) for x in ids.split() if x.strip().isdigit()})
    out = {}
    for i in range(0, len(streams), 50):
        args = ["-q"]
        for sid in streams[i:i + 50]:
            args += ["-z", "follow,tcp,raw,%d" % sid]
        text, _ = tshark(path, args)
        for block in text.split("===================================================================")[1:]:
            lines = block.strip("\n").splitlines()
            sid = None
            nodes = ["", ""]
            chunks = []
            for line in lines:
                if line.startswith("Filter: tcp.stream eq "):
                    sid = int(line.split()[-1])
                elif line.startswith("Node 0: "):
                    nodes[0] = line[8:]
                elif line.startswith("Node 1: "):
                    nodes[1] = line[8:]
                elif line.strip() and not line.startswith(("Follow:", "Filter:")):
                    node = 1 if line.startswith("\t") else 0
                    raw = bytes.fromhex(line.strip())
                    m = re.fullmatch(rb"\[(\d+) bytes missing in capture file\]\x00", raw)
                    if m:
                        chunks.append([node, "gap", int(m.group(1))])
                    else:
                        chunks.append([node, len(raw), "%016x" % fnv1a(raw)])
            if sid is not None:
                out[str(sid)] = {"nodes": nodes, "chunks": chunks}
    return out


def main():
    args = sys.argv[1:]
    only = None
    if args[:1] == ["--only"]:
        only, args = args[1], args[2:]
    names = args or sorted(os.listdir(FIXTURES))
    for name in names:
        if not name.endswith((".pcap", ".pcapng")):
            continue
        path = os.path.join(FIXTURES, os.path.basename(name))
        d = os.path.join(GOLDEN, os.path.basename(name))
        os.makedirs(d, exist_ok=True)
        if only in (None, "packets"):
            with open(os.path.join(d, "packets.tsv"), "w") as f:
                f.write(packets_tsv(path))
        if only in (None, "fields"):
            with open(os.path.join(d, "fields.tsv"), "w") as f:
                f.write(fields_tsv(path))
        if only in (None, "follow"):
            f = follow_json(path)
            if f:
                with open(os.path.join(d, "follow.json"), "w") as fh:
                    json.dump(f, fh, indent=0, sort_keys=True)
        if only in (None, "follow"):
            f = follow_tls_json(path)
            if f:
                with open(os.path.join(d, "follow_tls.json"), "w") as fh:
                    json.dump(f, fh, indent=0, sort_keys=True)
        _, rc = tshark(path, ["-c", "1"])
        if rc == 0 and only in (None, "truth"):
            res = subprocess.run([sys.executable, TRUTH, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, errors="replace", env=ENV)
            if res.returncode == 0:
                with open(os.path.join(d, "truth.json"), "w") as f:
                    f.write(res.stdout)
            else:
                print("truth failed for", name, res.stderr[-300:], file=sys.stderr)
        if rc == 0 and only in (None, "app"):
            os.environ.update(TZ="UTC", LC_ALL="C")
            try:
                a = app_truth(path)
            except (RuntimeError, TypeError, ValueError, KeyError) as e:
                print("app truth failed for", name, str(e)[-300:], file=sys.stderr)
                a = None
            if a:
                with open(os.path.join(d, "app.json"), "w") as f:
                    json.dump(a, f, indent=1)
                    f.write("\n")
        print("wrote", d, file=sys.stderr)


if __name__ == "__main__":
    main()
