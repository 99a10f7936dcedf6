//! The desktop app driven through egui_kittest with no display: the real
//! app state and layout, found through the accessibility tree and clicked
//! as a user would.

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use wirelens::capture::spill::SpillDir;
use wirelens::ui::WirelensApp;
use wirelens::ui::document::sample_path;

/// The app with `path` open and fully loaded.
fn app_on(path: &std::path::Path) -> Harness<'static, WirelensApp> {
    harness(WirelensApp::default(), path)
}

/// `app` with `path` open and fully loaded, in a harness.
fn harness(mut app: WirelensApp, path: &std::path::Path) -> Harness<'static, WirelensApp> {
    app.open(path, None);
    assert!(app.error.is_none(), "{:?}", app.error);
    let t = Instant::now();
    while !app.snapshot().unwrap().done {
        assert!(t.elapsed() < Duration::from_secs(30), "loading never ended");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(|ui, app: &mut WirelensApp| app.show(ui), app);
    h.run();
    h
}

#[test]
fn the_bundled_sample_opens_with_every_packet_listed() {
    let h = app_on(&sample_path());
    // tshark -r samples/wirelens-tour.pcapng | wc -l
    h.get_by_label("Packets: 45");
    // Rows in view are dissected with their analysis: the DNS lookup, the
    // handshake and the TLS ClientHello at the top of the list.
    h.get_by_label("Standard query 0xac66 A enabled.tls13.com");
    h.get_by_label(
        "46638 → 443 [SYN] Seq=0 Win=29200 Len=0 MSS=1460 SACK_PERM TSval=4294949082 TSecr=0 WS=128",
    );
    h.get_by_label("Client Hello");
}

#[test]
fn selecting_a_packet_and_a_field_highlights_the_fields_bytes() {
    let mut h = app_on(&sample_path());
    h.get_by_label("Client Hello").click();
    h.run();
    assert_eq!(h.state().selected, Some(8));
    // The details tree shows the frame's layers; selecting TCP's selects
    // the whole header's bytes.
    h.get_by_label_contains("Transmission Control Protocol, Src Port: 46638")
        .click_accesskit();
    h.run();
    assert_eq!(h.state().highlight(), Some((0, 34..54)));
    // Clicking a byte in the hex pane selects the smallest field holding it
    // and opens the tree down to it: byte 35 is in the source port.
    let port = {
        let d = h.state_mut().details.as_mut().unwrap();
        let port = d.find_field("tcp.srcport").unwrap();
        assert_eq!(d.node_at(0, 35), Some(port));
        d.reveal(port);
        d.selected = None;
        port
    };
    h.run();
    // The field now shows; selecting it highlights exactly its two bytes.
    h.get_by_label("Source Port: 46638").click_accesskit();
    h.run();
    let d = h.state().details.as_ref().unwrap();
    assert_eq!(d.selected, Some(port));
    let span = d.tree.nodes[port as usize].span;
    assert_eq!((span.start, span.len), (34, 2));
    assert_eq!(h.state().highlight(), Some((0, 34..36)));
}

#[test]
fn arrow_keys_move_the_selection() {
    let mut h = app_on(&sample_path());
    h.get_by_label("Client Hello").click();
    h.run();
    h.key_press(egui::Key::ArrowDown);
    h.run();
    assert_eq!(h.state().selected, Some(9));
    h.key_press(egui::Key::End);
    h.run();
    assert_eq!(h.state().selected, Some(45));
    h.key_press(egui::Key::Home);
    h.run();
    assert_eq!(h.state().selected, Some(1));
}

#[test]
fn a_file_that_is_not_a_capture_is_reported_in_the_app() {
    let mut app = WirelensApp::default();
    app.open(std::path::Path::new("Cargo.toml"), None);
    let e = app.error.clone().expect("an error");
    let mut h = Harness::builder()
        .with_size(egui::vec2(800.0, 600.0))
        .build_ui_state(|ui, app: &mut WirelensApp| app.show(ui), app);
    h.run();
    h.get_by_label(&e);
}

/// Frame numbers of the sample that `filter` matches, from the command
/// line's in-order pass (not the app's parallel re-dissection).
fn matching_in_order(filter: &str) -> Vec<u32> {
    matching_in(&sample_path(), filter)
}

fn matching_in(path: &std::path::Path, filter: &str) -> Vec<u32> {
    let f = wirelens::filter::DisplayFilter::compile(filter).unwrap();
    let file = wirelens::capture::CaptureFile::open(path).unwrap();
    let mut out = Vec::new();
    wirelens::filter::apply::in_capture_order(&file, &f, |n, _, _| out.push(n));
    out
}

fn wait_for_filter(h: &mut Harness<'static, WirelensApp>) -> Vec<u32> {
    let t = Instant::now();
    loop {
        // One frame at a time: the filter thread asks for repaints while it
        // works, which `run` (wait until the UI settles) would call a fault.
        h.step();
        if let Some(d) = h.state().displayed.as_ref()
            && !d.is_running()
            && let Some(f) = &d.frames
        {
            let frames = f.to_vec();
            h.run();
            return frames;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "filtering never ended"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_typed_display_filter_narrows_the_list_to_its_frames() {
    let mut h = app_on(&sample_path());
    let input = h.get_by_role(egui::accesskit::Role::TextInput);
    input.focus();
    input.type_text("dns");
    h.run();
    h.get_by_label("Apply").click();
    let frames = wait_for_filter(&mut h);
    let want = matching_in_order("dns");
    assert!(!want.is_empty());
    assert_eq!(frames, want);
    let pct = 100.0 * want.len() as f64 / 45.0;
    h.get_by_label(&format!("Displayed: {} ({pct:.1}%)", want.len()));
    h.get_by_label("Standard query 0xac66 A enabled.tls13.com");
    assert!(h.query_by_label("Client Hello").is_none());
    // Clearing shows every packet again.
    h.get_by_label("Clear").click();
    h.run();
    h.run();
    assert!(h.state().displayed.is_none());
    h.get_by_label("Client Hello");
}

#[test]
fn a_mistyped_field_is_named_with_the_nearest_one() {
    let mut h = app_on(&sample_path());
    let input = h.get_by_role(egui::accesskit::Role::TextInput);
    input.focus();
    input.type_text("tcp.prot == 443");
    h.run();
    h.get_by_label(
        "\"tcp.prot\" is not a valid protocol or protocol field. Did you mean \"tcp.port\"?",
    );
    // Applying an invalid filter changes nothing.
    h.get_by_label("Apply").click();
    h.run();
    assert!(h.state().displayed.is_none());
}

#[test]
fn apply_as_filter_on_a_field_filters_by_its_value() {
    let mut h = app_on(&sample_path());
    h.get_by_label("Client Hello").click();
    h.run();
    {
        let d = h.state_mut().details.as_mut().unwrap();
        let port = d.find_field("tcp.srcport").unwrap();
        d.reveal(port);
    }
    h.run();
    h.get_by_label("Source Port: 46638").click_secondary();
    h.run();
    h.get_by_label("Apply as Filter").click();
    let frames = wait_for_filter(&mut h);
    assert_eq!(h.state().filter_bar.text, "tcp.srcport == 46638");
    assert_eq!(frames, matching_in_order("tcp.srcport == 46638"));
}

/// A settings file of its own under the temp directory.
fn temp_settings(name: &str) -> wirelens::settings::SettingsFile {
    let dir = std::env::temp_dir().join(format!("wirelens-ui-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    wirelens::settings::SettingsFile {
        path: dir.join("settings.ron"),
    }
}

fn app_with_settings(file: &wirelens::settings::SettingsFile) -> Harness<'static, WirelensApp> {
    harness(
        WirelensApp::with_settings(Some(file.clone())),
        &sample_path(),
    )
}

#[test]
fn a_saved_filter_button_applies_its_filter_and_outlives_the_app() {
    let file = temp_settings("buttons");
    let mut h = app_with_settings(&file);
    let input = h.get_by_role(egui::accesskit::Role::TextInput);
    input.focus();
    input.type_text("tls.handshake");
    h.run();
    // "+" saves the current text under a label typed in its window.
    h.get_by_label("+").click();
    h.run();
    assert!(h.state().filter_bar.editor.is_some());
    h.get_by_label("Label:").focus();
    h.get_by_label("Label:").type_text("Handshake records");
    h.run();
    h.get_by_label("Save").click();
    h.run();
    assert!(h.state().filter_bar.editor.is_none());
    // Clearing, then the new button, applies the saved filter.
    h.get_by_label("Clear").click();
    h.run();
    h.get_by_label("Handshake records").click();
    let frames = wait_for_filter(&mut h);
    let want = matching_in_order("tls.handshake");
    assert!(!want.is_empty());
    assert_eq!(frames, want);
    assert_eq!(h.state().filter_bar.text, "tls.handshake");
    drop(h);
    // The next start has the button and the history.
    let h = app_with_settings(&file);
    let s = &h.state().settings;
    assert_eq!(s.filter_history, vec!["tls.handshake".to_string()]);
    let b = s.filter_buttons.last().unwrap();
    assert_eq!(
        (b.label.as_str(), b.filter.as_str()),
        ("Handshake records", "tls.handshake")
    );
    h.get_by_label("Handshake records");
    assert_eq!(
        s.recent_files[0],
        std::fs::canonicalize(sample_path()).unwrap()
    );
}

#[test]
fn damaged_settings_are_reported_and_the_app_runs_on_defaults() {
    let file = temp_settings("damaged");
    std::fs::create_dir_all(file.path.parent().unwrap()).unwrap();
    std::fs::write(&file.path, "(filter_buttons: [(label: \"x\"").unwrap();
    let h = app_with_settings(&file);
    h.get_by_label_contains("are damaged");
    h.get_by_label("Packets: 45");
    assert_eq!(
        h.state().settings.filter_buttons,
        wirelens::settings::Settings::default().filter_buttons
    );
}

/// Waits until every enabled IO graph has counted all it can.
fn wait_for_io_graph(h: &mut Harness<'static, WirelensApp>) {
    wait_until(h, "counting never ended", |app| {
        app.io_graph
            .graphs
            .iter()
            .filter(|g| g.enabled)
            .all(|g| g.is_complete())
    });
}

/// Runs frames one at a time (the click that started the work is handled
/// in the first) until `done` holds of the app, then lets the UI settle.
fn wait_until(
    h: &mut Harness<'static, WirelensApp>,
    what: &str,
    done: impl Fn(&WirelensApp) -> bool,
) {
    let t = Instant::now();
    h.step();
    while !done(h.state()) {
        assert!(t.elapsed() < Duration::from_secs(30), "{what}");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.step();
    h.run();
}

#[test]
fn the_io_graph_counts_every_packet_and_each_filters_matches() {
    let mut h = app_on(&sample_path());
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("I/O Graph").click();
    wait_for_io_graph(&mut h);
    // Wireshark's two default graphs: every packet, and TCP errors.
    h.get_by_label("45 packets");
    let errors = matching_in_order("tcp.analysis.flags").len();
    h.get_by_label(&format!("{errors} packets"));
    // "Add graph" plots what the filter bar holds.
    let input = h.get_by_label("Filter:");
    input.focus();
    input.type_text("dns");
    h.run();
    h.get_by_label("Add graph").click();
    wait_for_io_graph(&mut h);
    let g = h.state().io_graph.graphs.last().unwrap();
    assert_eq!(g.filter_text, "dns");
    let counted: u64 = g
        .series
        .as_ref()
        .unwrap()
        .buckets
        .iter()
        .map(|b| b.packets)
        .sum();
    assert_eq!(counted, matching_in_order("dns").len() as u64);
    h.get_by_label(&format!("{counted} packets"));
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Waits until every Follow Stream window has its bytes.
fn wait_for_follow(h: &mut Harness<'static, WirelensApp>) {
    wait_until(h, "reassembly never ended", |app| {
        app.follow.iter().all(|f| f.is_ready())
    });
}

/// Opens Statistics › Conversations and picks the row holding `cell`,
/// which filters the list to that conversation.
fn pick_conversation(h: &mut Harness<'static, WirelensApp>, cell: &str) -> Vec<u32> {
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("Conversations").click();
    h.run();
    h.get_by_label(cell).click();
    wait_for_filter(h)
}

#[test]
fn a_conversation_filters_the_list_and_follows_as_text() {
    let mut h = app_on(&fixture("dpkt_http.pcap"));
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("Conversations").click();
    h.run();
    h.get_by_label("TCP · 2");
    // The conversation with the most bytes first: sort by Bytes, twice for
    // descending.
    h.get_by_label("Bytes").click();
    h.run();
    h.get_by_label("Bytes ↑").click();
    h.run();
    h.get_by_label("Bytes ↓");
    h.get_by_label("20695").click();
    let frames = wait_for_filter(&mut h);
    assert_eq!(h.state().filter_bar.text, "tcp.stream eq 0");
    assert_eq!(frames.len(), 34);
    h.get_by_label("Follow Stream").click();
    wait_for_follow(&mut h);
    h.get_by_label("Follow TCP Stream (tcp.stream eq 0)");
    // `wirelens follow` and tshark show this request first.
    let text = h.state().follow[0].plain_text();
    assert!(text.starts_with("GET /download.html HTTP/1.1\r\nHost: www.ethereal.com\r\n"));
    // The window shows it (the packet list has the request line alone).
    h.get_by_label_contains("GET /download.html HTTP/1.1\r\nHost: www.ethereal.com");
    // One direction only: the server's response, no request.
    h.state_mut().follow[0].direction = wirelens::ui::follow_stream::Direction::BToA;
    h.run();
    let text = h.state().follow[0].plain_text();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{}", &text[..40]);
    assert!(!text.contains("GET /"));
}

#[test]
fn the_follow_shortcut_follows_the_selected_packets_stream() {
    let mut h = app_on(&sample_path());
    h.get_by_label("Client Hello").click();
    h.run();
    let follow = wirelens::ui::app::FOLLOW_SHORTCUT;
    h.key_press_modifiers(follow.modifiers, follow.logical_key);
    wait_for_follow(&mut h);
    assert_eq!(h.state().follow.len(), 1);
    assert_eq!(h.state().follow[0].stream, 0);
    h.get_by_label("Follow TCP Stream (tcp.stream eq 0)");
}

#[test]
fn the_sequence_diagram_shows_the_handshake_in_order_and_selects_packets() {
    let mut h = app_on(&sample_path());
    pick_conversation(&mut h, "46638");
    h.get_by_label("Sequence Diagram").click();
    h.run();
    h.get_by_label("Sequence diagram (tcp.stream eq 0)");
    let at =
        |h: &Harness<'static, WirelensApp>, label: &str| h.get_by_label(label).rect().center().y;
    let syn = at(&h, "[SYN] Seq=0 Len=0");
    let syn_ack = at(&h, "[SYN, ACK] Seq=0 Ack=1 Len=0");
    let ack = at(&h, "[ACK] Seq=1 Ack=1 Len=0");
    assert!(syn < syn_ack && syn_ack < ack, "{syn} {syn_ack} {ack}");
    // What the segment carries is on its arrow.
    h.get_by_label("[PSH, ACK] Seq=1 Ack=1 Len=517\nTLSv1: Client Hello");
    // Clicking an arrow selects its packet.
    h.get_by_label("[SYN, ACK] Seq=0 Ack=1 Len=0").click();
    h.run();
    assert_eq!(h.state().selected, Some(6));
    // Save as PNG asks the renderer for the pixels (cutting out the
    // window and encoding them is tested in ui::png_export).
    h.get_by_label("Save as PNG…").click();
    h.step();
    let asked = h.output().viewport_output.values().any(|v| {
        v.commands
            .iter()
            .any(|c| matches!(c, egui::ViewportCommand::Screenshot(_)))
    });
    assert!(asked, "no screenshot asked for");
}

#[test]
fn tcp_charts_plot_the_segments_and_rtts_tshark_sees() {
    let mut h = app_on(&sample_path());
    pick_conversation(&mut h, "46638");
    h.get_by_label("Charts").click();
    h.run();
    h.get_by_label("TCP charts (tcp.stream eq 0)");
    let points = {
        let charts = h.state().charts[0].lock().unwrap();
        // The server sent more, so its data shows first.
        assert_eq!(charts.dir, 1);
        let data = matching_in_order("tcp.stream == 0 && tcp.len > 0 && tcp.srcport == 443");
        assert!(!data.is_empty());
        let segments = &charts.series[0];
        assert_eq!(segments.name, "Segments");
        assert_eq!(segments.frames, data);
        charts.series.iter().map(|s| s.points.len()).sum::<usize>()
    };
    h.get_by_label(&format!("{points} points"));
    // RTTs of the server's data are measured on the client's ACKs.
    h.get_by_label("Round Trip Time").click();
    h.run();
    let acks = matching_in_order("tcp.stream == 0 && tcp.analysis.ack_rtt && tcp.srcport == 46638");
    assert!(!acks.is_empty());
    assert_eq!(h.state().charts[0].lock().unwrap().series[0].frames, acks);
    // Asked for again, the open charts come to the front instead of a second
    // window: the request is taken by the window's next frame. (In the app
    // it is a native window raised with ViewportCommand::Focus; the harness
    // embeds it, and egui drops commands to embedded viewports.)
    h.get_by_label("Charts").click();
    h.run();
    assert_eq!(h.state().charts.len(), 1);
    let snap = h.state().snapshot().unwrap();
    h.state_mut().tcp_charts(&snap, 0);
    assert!(h.state().charts[0].lock().unwrap().raise);
    h.run();
    assert!(!h.state().charts[0].lock().unwrap().raise);
    assert_eq!(h.state().charts.len(), 1);
}

#[test]
fn expert_info_groups_the_analysis_and_jumps_to_a_packet() {
    let mut h = app_on(&fixture("arkime_wireshark-retrans.pcap"));
    h.get_by_label("Analyze").click();
    h.run();
    h.get_by_label("Expert Information").click();
    wait_until(&mut h, "expert info never came", |app| {
        app.expert_info.is_current(&app.snapshot().unwrap())
    });
    let all = h.state().expert_info.groups.as_ref().unwrap();
    let groups = all.sorted();
    // tshark -z expert counts 47 retransmissions; the frames are those the
    // display filter finds.
    let retrans = groups
        .iter()
        .find(|g| g.summary == "This frame is a (suspected) retransmission")
        .unwrap();
    let path = fixture("arkime_wireshark-retrans.pcap");
    assert_eq!(
        retrans.frames,
        matching_in(&path, "tcp.analysis.retransmission")
    );
    assert_eq!(retrans.frames.len(), 47);
    let syn = groups
        .iter()
        .find(|g| g.summary == "Connection establish request (SYN): server port 4000")
        .unwrap();
    assert_eq!(syn.frames.len(), 4);
    let first = retrans.frames[0];
    h.get_by_label_contains("Note (");
    // Open the group and click its first frame.
    h.get_by_label_contains("This frame is a (suspected) retransmission")
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::Link, &first.to_string())
        .click();
    h.run();
    assert_eq!(h.state().selected, Some(first));
}

#[test]
fn rows_take_the_colour_of_the_first_rule_they_match() {
    let mut h = app_on(&sample_path());
    let rules = wirelens::settings::default_colour_rules();
    // Every default rule compiles.
    h.run();
    h.state_mut().row_rule(1);
    assert!(
        h.state().rows_colour_errors().is_empty(),
        "{:?}",
        h.state().rows_colour_errors()
    );
    // Each frame's rule is the first whose filter the command line's pass
    // matches on it.
    let matched: Vec<Vec<u32>> = rules.iter().map(|r| matching_in_order(&r.filter)).collect();
    for n in 1..=45u32 {
        let want = rules
            .iter()
            .zip(&matched)
            .find(|(_, m)| m.contains(&n))
            .map(|(r, _)| r.name.clone());
        assert_eq!(h.state_mut().row_rule(n), want, "frame {n}");
    }
    assert_eq!(h.state_mut().row_rule(5).as_deref(), Some("TCP SYN/FIN"));
    assert_eq!(h.state_mut().row_rule(1).as_deref(), Some("DNS"));
    assert_eq!(h.state_mut().row_rule(8).as_deref(), Some("TLS"));
}

/// A file dropped on the window, as a desktop would hand it over.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_dropped_file_opens_and_joins_the_recent_files() {
    let mut h = app_on(&sample_path());
    let path = fixture("dpkt_http.pcap");
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path.clone())));
    wait_until(&mut h, "loading never ended", |app| {
        app.snapshot().is_some_and(|s| s.done)
    });
    assert_eq!(h.state().document.as_ref().unwrap().path, path);
    h.get_by_label(&format!("Packets: {}", 43));
    let recent = h.state().settings.recent_files.clone();
    assert_eq!(recent[0], std::fs::canonicalize(&path).unwrap());
    // The sample opened first is next in the list, and File › Open Recent
    // lists both.
    assert_eq!(recent[1], std::fs::canonicalize(sample_path()).unwrap());
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Open Recent").hover();
    h.run();
    h.get_by_label(&recent[1].display().to_string()).click();
    let reopened = recent[1].clone();
    wait_until(&mut h, "loading never ended", move |app| {
        app.document.as_ref().is_some_and(|d| d.path == reopened)
            && app.snapshot().is_some_and(|s| s.done)
    });
    h.get_by_label("Packets: 45");
}

#[test]
fn export_displayed_packets_writes_exactly_the_filtered_frames() {
    let mut h = app_on(&sample_path());
    let input = h.get_by_role(egui::accesskit::Role::TextInput);
    input.focus();
    input.type_text("tls");
    h.run();
    h.get_by_label("Apply").click();
    let frames = wait_for_filter(&mut h);
    // The dialog only picks the path; this is what it then runs.
    let out =
        std::env::temp_dir().join(format!("wirelens-displayed-{}.pcapng", std::process::id()));
    let file = h.state().document.as_ref().unwrap().file.clone();
    let saved = wirelens::ui::save_dialog::save(&file, Some(&frames), out.clone());
    assert_eq!(saved.as_ref().map(|s| s.1), Ok(frames.len() as u64));
    // The new file holds those frames' bytes, in order.
    let written = wirelens::capture::CaptureFile::open(&out).unwrap();
    let got: Vec<Vec<u8>> = written
        .reader()
        .map(|r| written.data(r.offset, r.caplen).to_vec())
        .collect();
    let all: Vec<Vec<u8>> = file
        .reader()
        .map(|r| file.data(r.offset, r.caplen).to_vec())
        .collect();
    let want: Vec<Vec<u8>> = frames
        .iter()
        .map(|&n| all[n as usize - 1].clone())
        .collect();
    assert_eq!(got, want);
    // A file opened from disk is not an unsaved capture.
    assert!(!h.state().unsaved_capture());
    let _ = std::fs::remove_file(out);
}

/// `wirelens -Y FILTER -g N FILE` applies the filter and selects packet N
/// once it is loaded; the TCP Stream Graphs item then opens its stream's
/// charts. A packet past the end is reported, not a crash.
#[test]
fn the_command_line_filters_goes_to_a_packet_and_graphs_its_stream() {
    use wirelens::ui::Launch;
    let launch = Launch {
        file: Some(sample_path()),
        display_filter: Some("tcp".into()),
        goto: Some(8),
        memory_limit_set: false,
        ..Launch::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(
            |ui, app: &mut WirelensApp| app.show(ui),
            WirelensApp::default(),
        );
    let ctx = h.ctx.clone();
    h.state_mut().launch(&launch, &ctx);
    wait_until(&mut h, "packet 8 never selected", |a| a.selected == Some(8));
    let frames = wait_for_filter(&mut h);
    assert_eq!(frames, matching_in_order("tcp"));
    h.get_by_label_contains("Frame 8:");
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("TCP Stream Graphs").click();
    h.run();
    assert_eq!(h.state().charts.len(), 1);
    h.get_by_label("TCP charts (tcp.stream eq 0)");

    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(
            |ui, app: &mut WirelensApp| app.show(ui),
            WirelensApp::default(),
        );
    let past = Launch {
        file: Some(sample_path()),
        goto: Some(4500),
        memory_limit_set: false,
        ..Launch::default()
    };
    let ctx = h.ctx.clone();
    h.state_mut().launch(&past, &ctx);
    wait_until(&mut h, "a missing packet never reported", |a| {
        a.error.is_some()
    });
    h.get_by_label("No packet 4500: the capture has 45");
}

/// tshark's columns of a fixture (tests/golden/NAME/packets.tsv): frame
/// number, then column `col`.
fn golden_column(name: &str, col: usize) -> Vec<(u32, String)> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
        .join("packets.tsv");
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].parse().unwrap(), f[col].to_string())
        })
        .collect()
}

fn wait_for_sort(h: &mut Harness<'static, WirelensApp>) -> Vec<u32> {
    wait_until(h, "the sort never finished", |a| {
        a.list_sort.rows().is_some()
    });
    h.state().list_sort.rows().unwrap().frames.to_vec()
}

/// Clicking a header sorts the list by that column (ascending, descending,
/// then capture order), ties in capture order, and the arrow keys walk the
/// sorted rows. Lengths come from the file's records, protocols from
/// tshark's columns.
#[test]
fn clicking_a_header_sorts_the_list_by_that_column() {
    let name = "arkime_curl-enabled-tls13.pcap";
    let mut h = app_on(&fixture(name));
    let file = wirelens::capture::CaptureFile::open(&fixture(name)).unwrap();
    let lengths: Vec<(u32, u32)> = file
        .reader()
        .enumerate()
        .map(|(i, r)| (i as u32 + 1, r.orig_len))
        .collect();
    let mut by_length = lengths.clone();
    by_length.sort_by_key(|&(n, len)| (len, n));
    let ascending: Vec<u32> = by_length.iter().map(|&(n, _)| n).collect();
    h.get_by_label("Length").click();
    assert_eq!(wait_for_sort(&mut h), ascending);
    // The shortest frame is now the first row.
    h.get_by_label("Length ^");
    let mut by_length_desc = lengths.clone();
    by_length_desc.sort_by_key(|&(n, len)| (std::cmp::Reverse(len), n));
    h.get_by_label("Length ^").click();
    assert_eq!(
        wait_for_sort(&mut h),
        by_length_desc.iter().map(|&(n, _)| n).collect::<Vec<_>>()
    );
    h.get_by_label("Length v").click();
    h.run();
    assert!(
        h.state().list_sort.rows().is_none(),
        "third click: capture order"
    );
    h.get_by_label("Length");

    let mut protocols = golden_column(name, 6);
    protocols.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let want: Vec<u32> = protocols.iter().map(|(n, _)| *n).collect();
    h.get_by_label("Protocol").click();
    let got = wait_for_sort(&mut h);
    assert_eq!(got, want);
    // Down walks the sorted rows, not the frame numbers.
    h.state_mut().select(got[0]);
    h.key_press(egui::Key::ArrowDown);
    h.run();
    assert_eq!(h.state().selected, Some(got[1]));
}

/// Follow Stream's Save as writes the raw bytes in the Raw view: the
/// server's side of dpkt_http.pcap's first stream is as long as tshark's
/// follow chunks say and starts with the response. The Conversations
/// window's Export JSON writes what `wirelens flows --format json` prints.
#[test]
fn a_followed_stream_and_the_conversations_save_what_they_show() {
    use wirelens::ui::follow_stream::{Direction, View};
    let name = "dpkt_http.pcap";
    let mut h = app_on(&fixture(name));
    let snap = h.state().snapshot().unwrap();
    let file = h.state().document.as_ref().unwrap().file.clone();
    let ctx = h.ctx.clone();
    h.state_mut().follow_stream(&snap, &file, 0, &ctx);
    wait_for_follow(&mut h);
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/golden")
                .join(name)
                .join("follow.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let server_bytes: u64 = golden["0"]["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c[0] == 1)
        .map(|c| c[1].as_u64().unwrap())
        .sum();
    let f = &mut h.state_mut().follow[0];
    f.view = View::Raw;
    f.direction = Direction::BToA;
    let raw = f.saved_bytes();
    assert_eq!(raw.len() as u64, server_bytes);
    assert!(raw.starts_with(b"HTTP/1.1 200 OK"), "{:?}", &raw[..20]);
    f.view = View::Ascii;
    f.direction = Direction::Both;
    let text = String::from_utf8(f.saved_bytes()).unwrap();
    assert!(
        text.starts_with("GET /download.html HTTP/1.1"),
        "{text:.40}"
    );
    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stream0.bin");
    let (path, n) = wirelens::ui::save_bytes::write(out.clone(), &raw).unwrap();
    assert_eq!((path, n), (out.clone(), raw.len()));
    assert_eq!(std::fs::read(&out).unwrap(), raw);

    let mut cli = Vec::new();
    let args = wirelens::cli::FlowsArgs {
        file: fixture(name),
        filter: None,
        proto: Some(wirelens::cli::ProtoArg::Tcp),
        format: wirelens::cli::CsvOrJson::Json,
    };
    wirelens::cli::flows::run(&args, &mut cli).unwrap();
    let json = h.state_mut().conversations.json(&snap);
    assert_eq!(json, String::from_utf8(cli).unwrap());
    let mut cli = Vec::new();
    let args = wirelens::cli::FlowsArgs {
        format: wirelens::cli::CsvOrJson::Csv,
        ..args
    };
    wirelens::cli::flows::run(&args, &mut cli).unwrap();
    let csv = h.state_mut().conversations.csv(&snap);
    assert_eq!(csv, String::from_utf8(cli).unwrap());
    h.state_mut().follow.clear();
    h.state_mut().conversations.open = true;
    h.run();
    h.get_by_label("Export JSON…");
    h.get_by_label("Export CSV…");
}

/// A large load can be cancelled from the status bar: what was read stays
/// open and usable, and the bar says how far it got.
#[test]
fn cancelling_a_large_load_keeps_the_packets_read() {
    use wirelens::capture::CaptureWriter;
    let src = wirelens::capture::CaptureFile::open(&fixture("dpkt_http.pcap")).unwrap();
    let records: Vec<_> = src.reader().collect();
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("many.pcap");
    let total = 600_000u32;
    {
        let out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut w = CaptureWriter::pcap(out, 1, 65535).unwrap();
        for i in 0..total {
            let r = &records[i as usize % records.len()];
            let data = src.data(r.offset, r.caplen);
            w.packet(0, i64::from(i) * 1000, r.orig_len, data, Default::default())
                .unwrap();
        }
    }
    let mut app = WirelensApp::default();
    app.open(&path, None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(|ui, app: &mut WirelensApp| app.show(ui), app);
    h.run();
    h.get_by_label("Cancel loading").click();
    wait_until(&mut h, "the load never ended", |a| {
        a.snapshot().is_some_and(|s| s.done)
    });
    let snap = h.state().snapshot().unwrap();
    assert!(snap.cancelled);
    let loaded = snap.index.len();
    assert!(loaded > 0 && loaded < total as usize, "{loaded}");
    h.get_by_label_contains(&format!("Loading cancelled: {loaded} packets loaded"));
    h.get_by_label(&format!("Packets: {loaded}"));
    assert!(h.query_by_label("Cancel loading").is_none());
    h.state_mut().select(1);
    h.run();
    h.get_by_label_contains("Frame 1:");
    drop(h);
    let _ = std::fs::remove_file(path);
}

/// Statistics › Flow Graph draws each packet between its source and
/// destination hosts (tshark's Source and Destination columns), hosts in
/// order of first appearance; with a display filter it draws only the
/// displayed packets, and clicking an arrow selects its packet.
#[test]
fn the_flow_graph_draws_every_packet_between_its_hosts() {
    let name = "arkime_curl-enabled-tls13.pcap";
    let mut h = app_on(&fixture(name));
    let src = golden_column(name, 2);
    let dst = golden_column(name, 3);
    let mut hosts: Vec<String> = Vec::new();
    for ((_, s), (_, d)) in src.iter().zip(&dst) {
        for x in [s, d] {
            if !hosts.contains(x) {
                hosts.push(x.clone());
            }
        }
    }
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("Flow Graph").click();
    wait_until(&mut h, "the flow graph never built", |a| {
        a.flow_graph.is_ready()
    });
    let rows = h.state().flow_graph.rows.clone().unwrap();
    assert_eq!(rows.hosts, hosts);
    assert_eq!(rows.arrows.len(), src.len());
    for (a, ((n, s), (_, d))) in rows.arrows.iter().zip(src.iter().zip(&dst)) {
        assert_eq!(a.frame, *n);
        assert_eq!(
            (&rows.hosts[a.from as usize], &rows.hosts[a.to as usize]),
            (s, d)
        );
    }
    h.get_by_label("TLSv1: Client Hello").click();
    h.run();
    assert_eq!(h.state().selected, Some(8));

    let input = h.get_by_role(egui::accesskit::Role::TextInput);
    input.focus();
    input.type_text("dns");
    h.run();
    h.get_by_label("Apply").click();
    let dns = wait_for_filter(&mut h);
    wait_until(&mut h, "the flow graph never followed the filter", |a| {
        a.flow_graph.is_ready() && a.flow_graph.rows.as_ref().unwrap().arrows.len() == dns.len()
    });
    let frames: Vec<u32> = h
        .state()
        .flow_graph
        .rows
        .as_ref()
        .unwrap()
        .arrows
        .iter()
        .map(|a| a.frame)
        .collect();
    assert_eq!(frames, dns);
}

/// Analyze › Follow HTTP/2 Stream decodes the selected packet's connection
/// and shows a stream's header block and body; the streams offered are the
/// ones tshark saw carry headers or data.
#[test]
fn follow_http2_stream_shows_the_decoded_headers_and_body() {
    let mut h = app_on(&fixture("arkime_http2-nghttp2.pcap"));
    h.state_mut().select(1);
    h.run();
    h.get_by_label("Analyze").click();
    h.run();
    h.get_by_label("Follow HTTP/2 Stream").click();
    wait_until(&mut h, "the connection was never decoded", |a| {
        a.follow_http.iter().all(|f| f.is_ready())
    });
    let streams = h.state().follow_http[0].streams().to_vec();
    // tshark: streams 13 and 2 carry the response headers and bodies.
    assert!(streams.contains(&13) && streams.contains(&2), "{streams:?}");
    h.state_mut().follow_http[0].stream = 13;
    h.run();
    h.get_by_label_contains(":status: 200");
    let text = h.state().follow_http[0].text();
    // The request's headers, the response's, then its 6616 body bytes
    // (tshark's count).
    assert!(text.starts_with(":method: GET\n:path: /\n"), "{text:.200}");
    assert!(text.contains("\n:status: 200\n"), "{text:.400}");
    assert!(text.len() > 6616, "{}", text.len());
}

/// View › Colouring Rules edits the rules the list is coloured by: turning
/// DNS off colours DNS rows by the next rule they match (UDP), and a filter
/// that does not compile shows its error in the editor.
#[test]
fn the_colouring_rule_editor_changes_how_rows_are_coloured() {
    let mut h = app_on(&sample_path());
    assert_eq!(h.state_mut().row_rule(1).as_deref(), Some("DNS"));
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Colouring Rules…").click();
    h.run();
    let dns = h
        .state()
        .settings
        .colour_rules
        .iter()
        .position(|r| r.name == "DNS")
        .unwrap();
    h.get_by_role_and_label(
        egui::accesskit::Role::CheckBox,
        &format!("Rule {}", dns + 1),
    )
    .click();
    h.run();
    assert!(!h.state().settings.colour_rules[dns].enabled);
    assert_eq!(h.state_mut().row_rule(1).as_deref(), Some("UDP"));

    h.state_mut().settings.colour_rules[dns].enabled = true;
    h.state_mut().settings.colour_rules[dns].filter = "dns.qry.nme".into();
    h.run();
    h.run();
    let errors = h.state().rows_colour_errors().to_vec();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "DNS");
    h.get_by_label(&errors[0].1);
    h.get_by_label("Restore defaults").click();
    h.run();
    h.run();
    assert!(h.state().rows_colour_errors().is_empty());
    assert_eq!(h.state_mut().row_rule(1).as_deref(), Some("DNS"));
}

/// View › Columns hides packet-list columns, and the choice outlives the
/// app (it is in the settings file).
#[test]
fn hidden_columns_leave_the_list_and_stay_hidden() {
    let file = temp_settings("columns");
    let mut h = app_with_settings(&file);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Length");
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Columns").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "Length")
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "Time")
        .click();
    h.run();
    assert_eq!(h.state().settings.hidden_columns, ["Length", "Time"]);
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(
        h.query_by_role_and_label(egui::accesskit::Role::Button, "Length")
            .is_none()
    );
    // The rows lost the two cells: frame 1's Info is still there.
    h.get_by_label("Standard query 0xac66 A enabled.tls13.com");
    drop(h);
    let h = app_with_settings(&file);
    assert_eq!(h.state().settings.hidden_columns, ["Length", "Time"]);
    assert!(
        h.query_by_role_and_label(egui::accesskit::Role::Button, "Time")
            .is_none()
    );
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Info");
    let _ = std::fs::remove_dir_all(file.path.parent().unwrap());
}

// Snapshot images: the rendered window compared with the PNG committed
// under tests/snapshots/ (egui_kittest renders through wgpu; CI uses Mesa's
// lavapipe, a CPU Vulkan driver). `UPDATE_SNAPSHOTS=1 cargo test` rewrites
// them after an intended change of look. The sample is opened by a
// relative path so the status bar reads the same in every checkout.

/// The bundled sample, named relative to the crate (tests run there).
fn sample_relative() -> std::path::PathBuf {
    let p = std::path::PathBuf::from("samples/wirelens-tour.pcapng");
    assert!(p.exists(), "tests run from the crate's directory");
    p
}

#[test]
fn snapshot_of_the_main_window_with_a_field_selected() {
    let mut h = app_on(&sample_relative());
    h.get_by_label("Client Hello").click();
    h.run();
    h.get_by_label_contains("Transmission Control Protocol, Src Port: 46638")
        .click_accesskit();
    h.run();
    assert_eq!(h.state().highlight(), Some((0, 34..54)));
    h.snapshot("main_window");
}

/// Snapshot `name` of the window that `button` of the sample's TLS
/// conversation opens, once `shown` (a label in it) is there.
fn snapshot_of_conversation_window(button: &str, shown: &str, name: &str) {
    let mut h = app_on(&sample_relative());
    pick_conversation(&mut h, "46638");
    h.get_by_label(button).click();
    h.run();
    h.get_by_label(shown);
    h.snapshot(name);
}

#[test]
fn snapshot_of_the_handshakes_sequence_diagram() {
    snapshot_of_conversation_window(
        "Sequence Diagram",
        "[SYN, ACK] Seq=0 Ack=1 Len=0",
        "sequence_diagram",
    );
}

#[test]
fn snapshot_of_a_streams_tcp_charts() {
    snapshot_of_conversation_window("Charts", "TCP charts (tcp.stream eq 0)", "tcp_charts");
}

/// tshark's custom columns for a capture (tests/tools/field_columns_golden.py):
/// the field names, and each frame's number and cells.
fn field_columns_golden(capture: &str) -> (Vec<String>, Vec<(u32, Vec<String>)>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/field_columns")
        .join(format!("{capture}.tsv"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let names = lines
        .next()
        .unwrap()
        .split('\t')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| {
            let mut cells = l.split('\t').map(String::from);
            let n = cells.next().unwrap().parse().unwrap();
            (n, cells.collect())
        })
        .collect();
    (names, rows)
}

/// Frames where wirelens' cells differ from tshark's on purpose:
/// (capture, frames, why).
const FIELD_COLUMN_DIFFERENCES: &[(&str, &[u32], &str)] = &[(
    "arkime_http2-nghttp2.pcap",
    &[4, 22, 24, 77, 85, 95],
    "the segment of frame 4 ends inside stream 13's 17 KB HEADERS frame; tshark dissects the part, \
     reports a bounds error ([BoundErrorUnreassembled Packet]), so its http2.type there ends in \
     HEADERS, and never dissects the rest of the client's HTTP/2 (frames 22, 24: the HEADERS and \
     SETTINGS; 77, 85: WINDOW_UPDATEs; 95: GOAWAY). wirelens reassembles the frame and dissects \
     them all (tests/golden.rs and tests/cli_app.rs document the same)",
)];

#[test]
fn field_columns_show_each_frames_values_as_tshark_does() {
    for (capture, path) in [
        ("wirelens-tour.pcapng", sample_path()),
        (
            "arkime_dns-wiresharkrepo.pcap",
            fixture("arkime_dns-wiresharkrepo.pcap"),
        ),
        (
            "arkime_http2-nghttp2.pcap",
            fixture("arkime_http2-nghttp2.pcap"),
        ),
    ] {
        let (names, rows) = field_columns_golden(capture);
        let mut h = app_on(&path);
        h.state_mut().settings.field_columns = names
            .iter()
            .map(|n| wirelens::settings::FieldColumn {
                title: n.clone(),
                field: n.clone(),
            })
            .collect();
        h.run();
        assert_eq!(rows.len(), h.state().snapshot().unwrap().index.len());
        let mut wrong = Vec::new();
        for (n, want) in rows {
            if FIELD_COLUMN_DIFFERENCES
                .iter()
                .any(|d| d.0 == capture && d.1.contains(&n))
            {
                continue;
            }
            let got = h.state_mut().row_fields(n);
            for (i, name) in names.iter().enumerate() {
                if got[i] != want[i] {
                    wrong.push(format!(
                        "frame {n} {name}: {:?}, tshark {:?}",
                        got[i], want[i]
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{capture}:\n{}", wrong.join("\n"));
    }
}

#[test]
fn a_field_column_is_added_shown_sorted_and_kept() {
    let file = temp_settings("field-columns");
    let mut h = app_with_settings(&file);
    // From the details tree: Apply as Column on the TCP window field.
    h.get_by_label("Client Hello").click();
    h.run();
    let window = {
        let d = h.state_mut().details.as_mut().unwrap();
        let w = d.find_field("tcp.window_size_value").unwrap();
        d.reveal(w);
        w
    };
    h.run();
    let label = h.state().details.as_ref().unwrap().tree.nodes[window as usize]
        .label
        .clone();
    h.get_by_label(&label).click_secondary();
    h.run();
    h.get_by_label("Apply as Column").click();
    h.run();
    assert_eq!(
        h.state().settings.field_columns,
        [wirelens::settings::FieldColumn {
            title: "Window".into(),
            field: "tcp.window_size_value".into(),
        }]
    );
    // From View › Columns: a field by name; a wrong name is explained.
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Columns").click();
    h.run();
    let entry = "Field:";
    h.get_by_label(entry).focus();
    h.run();
    h.get_by_label(entry).type_text("dns.qry.nme");
    h.run();
    h.get_by_label("Add column").click();
    h.run();
    h.get_by_label_contains("did you mean dns.qry.name");
    h.get_by_label(entry).focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label(entry).type_text("dns.qry.name");
    h.run();
    h.get_by_label("Add column").click();
    h.run();
    assert_eq!(h.state().settings.field_columns[1].field, "dns.qry.name");
    h.key_press(egui::Key::Escape);
    h.run();
    // The headers and the cells show: frame 1's query name, frame 6's
    // window (the SYN/ACK's 65535, also in its Info: look for the header).
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Window");
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Name");
    assert_eq!(h.state_mut().row_fields(1), ["", "enabled.tls13.com"]);
    assert_eq!(h.state_mut().row_fields(6), ["65535", ""]);
    // Sorting by the window: by number, frames without one first, ties
    // in capture order.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Window")
        .click();
    let got = wait_for_sort(&mut h);
    let mut want: Vec<(Option<u64>, u32)> = (1..=45)
        .map(|n| (h.state_mut().row_fields(n)[0].parse().ok(), n))
        .collect();
    want.sort();
    assert_eq!(got, want.iter().map(|w| w.1).collect::<Vec<_>>());
    // Sorted as text ("229" after "1026") the order would differ.
    let mut as_text: Vec<(String, u32)> = (1..=45)
        .map(|n| (h.state_mut().row_fields(n)[0].clone(), n))
        .collect();
    as_text.sort();
    assert_ne!(got, as_text.iter().map(|w| w.1).collect::<Vec<_>>());
    // Kept in the settings: a second app shows both columns.
    drop(h);
    let h = app_with_settings(&file);
    assert_eq!(h.state().settings.field_columns.len(), 2);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Name");
    let _ = std::fs::remove_dir_all(file.path.parent().unwrap());
}

/// The top protocol of frame `n` in what the app has loaded.
fn top_protocol(h: &Harness<'static, WirelensApp>, n: u32) -> String {
    let snap = h.state().snapshot().unwrap();
    let row = snap.index.row(n as usize - 1).unwrap();
    dissectors::proto::by_id(row.proto)
        .map_or("", |p| p.name())
        .to_owned()
}

/// Analyze › Decode As… sends UDP port 8472 (Linux's VXLAN port, not the
/// IANA one tshark and wirelens know) to VXLAN: the capture is analysed
/// again at once, its frames show what the tunnel carries, and the rule is
/// kept in the settings in tshark's spelling.
#[test]
fn decode_as_sends_a_port_to_a_protocol_and_analyses_again() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/decode_as/tcpdump_vxlan_port_8472.pcap");
    let mut h = app_on(&path);
    assert_eq!(top_protocol(&h, 1), "udp");
    h.get_by_label("Analyze").click();
    h.run();
    h.get_by_label("Decode As…").click();
    h.run();
    h.get_by_label("Add rule").click();
    h.run();
    h.get_by_label("Field 1").click();
    h.run();
    h.get_by_label("udp.port").click();
    h.run();
    h.get_by_label("Value 1").click();
    h.run();
    h.get_by_label("Value 1").type_text("8472");
    h.run();
    h.get_by_label("Decode as 1").click();
    h.run();
    // The list is longer than its popup: bring the entry into view first.
    h.get_by_label("vxlan").scroll_to_me();
    h.run();
    h.get_by_label("vxlan").click();
    h.run();
    assert_eq!(h.state().decode_as.spelled(), ["udp.port==8472,vxlan"]);
    h.get_by_label("OK").click();
    h.run_steps(8); // a re-analysis repaints a varying number of frames
    assert_eq!(h.state().decode_as.error(), None);
    assert_eq!(h.state().settings.decode_as, ["udp.port==8472,vxlan"]);
    // The capture is loaded again under the rule.
    let t = Instant::now();
    while !(h.state().snapshot().unwrap().done && top_protocol(&h, 1) == "icmp") {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "never analysed again"
        );
        std::thread::sleep(Duration::from_millis(5));
        h.run();
    }
    assert_eq!(top_protocol(&h, 1), "icmp");
    assert_eq!(top_protocol(&h, 2), "arp");
    // The rules are the process' own: put them back for the other tests.
    h.state_mut().apply_decode_as(Vec::new());
}

/// Analyze › TLS Keys…: a key log typed in decrypts the capture at once
/// (its HTTPS requests show as HTTP), the status bar counts the sessions,
/// only the path is kept in the settings, and a line the log could not
/// read is named in the window.
#[test]
fn tls_keys_window_decrypts_the_open_capture() {
    let _keys = KEYS_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let keys = root.join("tests/fixtures/wirelens_tls_decrypt.keys");
    let dir = std::env::temp_dir().join(format!("wirelens-ui-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let with_bad_line = dir.join("keys.log");
    let mut text = b"this is no key log line\n".to_vec();
    text.extend(std::fs::read(&keys).unwrap());
    std::fs::write(&with_bad_line, text).unwrap();
    let mut h = app_on(&root.join("tests/fixtures/wirelens_tls_decrypt.pcap"));
    // Frame 10 is curl's GET, sealed in TLS 1.3.
    assert_eq!(top_protocol(&h, 10), "tls");
    h.get_by_label("Analyze").click();
    h.run();
    h.get_by_label("TLS Keys…").click();
    h.run();
    h.get_by_label("Key log file").click();
    h.run();
    h.get_by_label("Key log file")
        .type_text(with_bad_line.to_str().unwrap());
    h.run();
    h.get_by_label("Apply key log").click();
    h.run();
    assert_eq!(
        h.state().tls_keys.messages,
        [format!(
            "{}: line 1: not a key log line (LABEL CLIENT_RANDOM SECRET), skipped",
            with_bad_line.display()
        )]
    );
    assert_eq!(
        h.state().settings.tls_keylog_file.as_deref(),
        Some(with_bad_line.as_path())
    );
    assert_eq!(h.state().tls_sessions, 12);
    let t = Instant::now();
    while !(h.state().snapshot().unwrap().done && top_protocol(&h, 10) == "http") {
        assert!(t.elapsed() < Duration::from_secs(30), "never decrypted");
        std::thread::sleep(Duration::from_millis(5));
        h.run();
    }
    h.get_by_label("TLS keys: 12 sessions");
    // Keys are the process' own: put them back for the other tests.
    h.get_by_label("Clear key log").click();
    h.run_steps(8); // a re-analysis repaints a varying number of frames
    assert_eq!(h.state().settings.tls_keylog_file, None);
    assert!(crate_keys_cleared());
    let _ = std::fs::remove_dir_all(dir);
}

fn crate_keys_cleared() -> bool {
    wirelens::pass::keys().is_none()
}

/// The TLS keys are the process' own: tests that set them take turns.
static KEYS_IN_USE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The app with fixture `name` loaded with the key log beside it
/// (`name` without its extension, `.keys`); the caller holds KEYS_IN_USE.
fn app_on_keyed(name: &str) -> Harness<'static, WirelensApp> {
    // Relative, as the sample's: the status bar (in snapshots) names it.
    let root = std::path::Path::new("tests/fixtures");
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let keys = std::fs::read(root.join(format!("{stem}.keys"))).unwrap();
    wirelens::pass::set_keys(Some(std::sync::Arc::new(
        dissectors::tls::keylog::KeyLog::parse(&keys).0,
    )));
    let h = app_on(&root.join(name));
    wirelens::pass::set_keys(None);
    h
}

/// Analyze › Follow TLS Stream on a decrypted capture: the request and the
/// response in plaintext, from the store's frames; the conversation's
/// sequence diagram labels them as HTTP.
#[test]
fn follow_tls_stream_shows_the_decrypted_exchange() {
    let _keys = KEYS_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
    let mut h = app_on_keyed("wirelens_tls_decrypt.pcap");
    h.state_mut().select(10);
    h.run();
    h.get_by_label("Analyze").click();
    h.run();
    h.get_by_label("Follow TLS Stream").click();
    wait_for_follow(&mut h);
    h.get_by_label("Follow TLS Stream (tcp.stream eq 0)");
    let text = h.state().follow[0].plain_text();
    assert!(
        text.starts_with("GET /hello HTTP/1.1\r\nHost: www.example.org:8443\r\n"),
        "{text}"
    );
    assert!(text.ends_with("hello over TLS\n"), "{text}");
    // The sequence diagram tells the decrypted story too: curl's request
    // and the server's answer, not "Application Data".
    let snap = h.state().snapshot().unwrap();
    h.state_mut().sequence_diagram(&snap, 0);
    h.run();
    h.get_by_label_contains("HTTP: GET /hello HTTP/1.1");
    h.get_by_label_contains("HTTP: HTTP/1.1 200 OK");
}

/// A capture analysed again once keys came (what the app does when the key
/// log grew during a capture that has stopped): the records that went by
/// before the keys decrypt too.
#[test]
fn analysing_again_decrypts_with_keys_that_came_later() {
    let _keys = KEYS_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut h = app_on(&root.join("tests/fixtures/wirelens_tls_decrypt.pcap"));
    assert_eq!(top_protocol(&h, 10), "tls");
    let keys = std::fs::read(root.join("tests/fixtures/wirelens_tls_decrypt.keys")).unwrap();
    wirelens::pass::set_keys(Some(std::sync::Arc::new(
        dissectors::tls::keylog::KeyLog::parse(&keys).0,
    )));
    h.state_mut().select(10);
    let ctx = h.ctx.clone();
    h.state_mut().reanalyse(&ctx);
    wirelens::pass::set_keys(None);
    assert_eq!(h.state().selected, None);
    let t = Instant::now();
    while !(h.state().snapshot().unwrap().done && top_protocol(&h, 10) == "http") {
        assert!(t.elapsed() < Duration::from_secs(30), "never decrypted");
        std::thread::sleep(Duration::from_millis(5));
        h.run();
    }
    assert_eq!(top_protocol(&h, 12), "http");
}

/// Analyze › Follow HTTP/3 Stream on a decrypted QUIC connection: the
/// request streams are offered, and one shows its QPACK-decoded request
/// and response headers and the body put back from many packets.
#[test]
fn follow_http3_stream_shows_the_decoded_headers_and_body() {
    let _keys = KEYS_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
    let mut h = app_on_keyed("wirelens_quic_h3.pcapng");
    h.state_mut().select(7);
    h.run();
    h.get_by_label("Analyze").click();
    h.run();
    h.get_by_label("Follow HTTP/3 Stream").click();
    wait_until(&mut h, "the connection was never decoded", |a| {
        a.follow_http.iter().all(|f| f.is_ready())
    });
    h.get_by_label("Follow HTTP/3 Stream (quic.connection.number eq 0)");
    assert_eq!(h.state().follow_http[0].streams(), [0, 4, 8, 12]);
    h.state_mut().follow_http[0].stream = 4;
    h.run();
    h.get_by_label_contains(":path: /bytes/200000");
    let text = h.state().follow_http[0].text();
    assert!(
        text.starts_with(":method: GET\n:scheme: https\n"),
        "{text:.200}"
    );
    assert!(text.contains("\n:status: 200\n"), "{text:.400}");
    // The body's last bytes (the server cut its 39-byte lines at 200 000).
    assert!(
        text.ends_with("line 005127 of a large HTTP/3 response\nline 005"),
        "{}",
        &text[text.len().saturating_sub(100)..]
    );
}

/// Statistics › Conversations has a QUIC tab: the QUIC connections.
/// Picking one filters to its packets, and Follow HTTP/3 Stream opens its
/// requests (here the connection behind the Retry).
#[test]
fn the_quic_tab_lists_quic_connections_and_follows_their_requests() {
    let _keys = KEYS_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
    let mut h = app_on_keyed("wirelens_quic_h3.pcapng");
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("Conversations").click();
    h.run();
    h.get_by_label("QUIC · 4").click();
    h.run();
    h.get_by_label("4434").click();
    let frames = wait_for_filter(&mut h);
    assert_eq!(h.state().filter_bar.text, "quic.connection.number eq 2");
    // tshark -Y "quic.connection.number eq 2" lists these ten.
    assert_eq!(frames, (224..=233).collect::<Vec<u32>>());
    h.get_by_label("Follow HTTP/3 Stream").click();
    wait_until(&mut h, "the connection was never decoded", |a| {
        a.follow_http.iter().all(|f| f.is_ready())
    });
    h.get_by_label("Follow HTTP/3 Stream (quic.connection.number eq 2)");
    assert!(
        h.state().follow_http[0]
            .text()
            .contains(":path: /after-retry\n")
    );
}

/// A QUIC connection that migrated, from the Conversations' QUIC tab: its
/// three UDP conversations are one connection, whose sequence diagram
/// draws every packet with its type, number and frames and the HTTP/3
/// request it carries, and whose RTT chart holds the samples `wirelens
/// quic --series` prints (tests/quic.rs holds those against RFC 9002).
#[test]
fn a_migrated_quic_connection_has_one_sequence_diagram_and_rtt_chart() {
    let _keys = KEYS_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
    let mut h = app_on_keyed("wirelens_quic_migration.pcapng");
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("Conversations").click();
    h.run();
    // One connection over three address pairs: one row, the client's
    // first port and the packets of all three.
    h.get_by_label("QUIC · 1").click();
    h.run();
    h.get_by_label("35813").click();
    // tshark -Y "quic.connection.number eq 0" lists all 81 frames.
    assert_eq!(wait_for_filter(&mut h), (1..=81).collect::<Vec<u32>>());
    h.get_by_label("Sequence Diagram").click();
    wait_until(&mut h, "the connection was never decoded", |a| {
        a.quic_views.iter().all(|v| v.is_ready())
    });
    h.get_by_label("QUIC connection 0 (quic.connection.number eq 0)");
    let series = h.state().quic_views[0].series.clone().unwrap();
    let packets = &series.packets;
    assert_eq!(packets.len(), 85);
    let request = packets
        .iter()
        .find(|p| p.http3.iter().any(|f| f == "HEADERS GET /after-rebinding"))
        .expect("the last request");
    assert_eq!(request.dir, 0);
    // Arrows in view are labelled; the first is the client's Initial.
    h.get_by_label_contains("Initial PN=0: CRYPTO");
    h.snapshot("quic_sequence_diagram");
    h.get_by_label("Round Trip Time").click();
    h.run();
    h.get_by_label("client 127.0.0.1:35813").click();
    h.run();
    let view = &h.state().quic_views[0];
    let client_samples = series.rtt.iter().filter(|r| r.dir == 0).count();
    assert!(client_samples > 3, "{client_samples}");
    assert_eq!(view.drawn[0].points.len(), client_samples);
    assert_eq!(view.drawn[1].name, "Smoothed RTT");
    h.snapshot("quic_rtt_chart");
}

/// A spill file as a session that was killed (pid past the kernel's
/// largest: no process has it) would have left it.
fn left_behind_capture(dir: &std::path::Path) -> std::path::PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let spill = dir.join("live-1700000000123-eth0-4194305-0.pcapng");
    std::fs::copy(sample_path(), &spill).unwrap();
    spill
}

/// The app on the sample, its spill files in `dir`, File › Recover… open.
fn recover_window(dir: &std::path::Path) -> Harness<'static, WirelensApp> {
    let mut app = WirelensApp::default();
    app.recover.dir = SpillDir::at(dir);
    let mut h = harness(app, &sample_path());
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Recover…").click();
    h.run();
    h
}

#[test]
fn file_recover_opens_a_capture_an_earlier_session_left_and_saving_it_deletes_the_spill() {
    let dir = std::env::temp_dir().join(format!("wirelens-recover-{}", std::process::id()));
    let spill = left_behind_capture(&dir);
    let mut h = recover_window(&dir);
    // The window lists it as the user would know it: when, where, how much.
    h.get_by_label("2023-11-14 22:13:20");
    h.get_by_label("eth0");
    h.get_by_label("45");
    h.get_by_label("Open").click();
    let opened = spill.clone();
    wait_until(&mut h, "the recovered capture never loaded", move |app| {
        app.document.as_ref().is_some_and(|d| d.path == opened)
            && app.snapshot().is_some_and(|s| s.done)
    });
    h.get_by_label("Packets: 45");
    // It is the unsaved capture it was: quitting would ask.
    assert!(h.state().unsaved_capture());
    // Saved whole (what the Save As dialog runs, then reports), it is the
    // saved file from now on and its spill file is gone.
    let out = dir.join("recovered.pcapng");
    let file = h.state().document.as_ref().unwrap().file.clone();
    let saved = wirelens::ui::save_dialog::save(&file, None, out.clone());
    assert_eq!(saved.as_ref().map(|s| s.1), Ok(45));
    h.state_mut().saved(saved, true);
    h.run();
    assert!(!spill.exists(), "the spill file stayed");
    assert!(!h.state().unsaved_capture());
    assert_eq!(h.state().document.as_ref().unwrap().path, out);
    // Nothing is left to recover.
    assert_eq!(h.state_mut().recover.refresh(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_left_behind_capture_deleted_in_recover_is_gone() {
    let dir = std::env::temp_dir().join(format!("wirelens-recover-del-{}", std::process::id()));
    let spill = left_behind_capture(&dir);
    let mut h = recover_window(&dir);
    h.get_by_label("Delete").click();
    h.run();
    assert!(!spill.exists());
    h.get_by_label("No unsaved captures from earlier sessions.");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Statistics › HTTP Requests on a page load (tests/tools/page_load_session.py:
/// a lookup, HTTP, then TLS 1.3 connections decrypted by the capture's own
/// secrets): the requests with their phases as the command line's
/// `http --timing` gives them, a waterfall, and a click on a request that
/// selects its first packet and opens its connection's sequence diagram.
#[test]
fn http_requests_window_draws_the_waterfall_and_opens_a_request() {
    let capture = std::path::PathBuf::from("tests/http_timing/page_load.pcapng");
    let mut h = app_on(&capture);
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("HTTP Requests").click();
    wait_until(&mut h, "the requests never came", |app| {
        app.http_requests.scan.is_current(&app.snapshot().unwrap())
    });
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(["http", "--timing", "--format", "json"])
        .arg(&capture)
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let cli = cli["requests"].as_array().unwrap();
    let shown = h.state().http_requests.scan.found.clone().unwrap();
    assert_eq!(shown.len(), cli.len());
    for (e, c) in shown.iter().zip(cli) {
        assert_eq!(e.url(), c["url"].as_str().unwrap());
        let request = e.request.unwrap();
        assert_eq!(
            u64::from(request.first_frame),
            c["request_frame"].as_u64().unwrap()
        );
        assert_eq!(e.reused, c["reused"].as_bool().unwrap());
    }
    h.get_by_label("6 requests");
    h.snapshot("http_requests_waterfall");

    h.get_by_label("GET https://static.example.test:8443/api/items 200")
        .click();
    h.run();
    let api = shown.iter().find(|e| e.path == "/api/items").unwrap();
    assert_eq!(h.state().selected, Some(api.request.unwrap().first_frame));
    let streams: Vec<u32> = h.state().sequences.iter().map(|d| d.stream).collect();
    assert_eq!(streams, vec![api.tcp_stream]);
    // The connection's story, to time scale: the handshakes, the two
    // requests with their time to first byte, the teardown.
    assert!(h.state().sequences[0].time_scale);
    h.state_mut().http_requests.open = false;
    h.run();
    h.snapshot("http_request_sequence_to_time_scale");
}

/// File › Export HTTP Requests as HAR… writes the archive `wirelens export
/// --format har` writes (the dialog's directory set, as `WIRELENS_SAVE_DIR`
/// would, so no portal is asked), and says how many requests it holds.
#[test]
fn file_menu_exports_the_requests_as_har() {
    let capture = std::path::PathBuf::from("tests/http_timing/page_load.pcapng");
    let dir = std::env::temp_dir().join(format!("wirelens-har-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut h = app_on(&capture);
    h.state_mut().har_dialog.0.dir = Some(dir.clone());
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Export HTTP Requests as HAR…").click();
    wait_until(&mut h, "the archive was never written", |app| {
        app.saved_message.is_some() || app.error.is_some()
    });
    let written = dir.join("requests.har");
    assert_eq!(
        h.state().saved_message.as_deref(),
        Some(format!("6 HTTP requests written to {}", written.display()).as_str()),
        "{:?}",
        h.state().error
    );
    let cli = dir.join("cli.har");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(["export", "--format", "har", "-w"])
        .arg(&cli)
        .arg(&capture)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&written).unwrap(),
        std::fs::read(&cli).unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Statistics › SSE Streams on an event stream hyper sent curl (chunked
/// HTTP/1.1, from tests/sse_streams.rs): the stream as `wirelens sse` gives
/// it, a chart of its event arrivals, and a click on the stream that
/// selects its first event's packet.
#[test]
fn sse_streams_window_charts_the_event_arrivals() {
    let capture = std::path::PathBuf::from("tests/sse/event_stream_chunked.pcapng");
    let mut h = app_on(&capture);
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("SSE Streams").click();
    wait_until(&mut h, "the streams never came", |app| {
        app.sse_streams.scan.is_current(&app.snapshot().unwrap())
    });
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(["sse", "--format", "json"])
        .arg(&capture)
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let cli = &cli["streams"][0];
    let shown = h.state().sse_streams.scan.found.clone().unwrap();
    assert_eq!(shown.len(), 1);
    let frames: Vec<u64> = shown[0].events.iter().map(|e| u64::from(e.frame)).collect();
    let cli_frames: Vec<u64> = cli["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(frames, cli_frames);
    h.get_by_label("1 event streams");
    let ms = |k: &str| format!("{:.1} ms", cli[k].as_f64().unwrap() * 1e3);
    let row = format!(
        "tcp.stream 0 /v1/stream?model=test: 6 events, first after {}, gap p50 {} p99 {}",
        ms("time_to_first_event"),
        ms("gap_p50"),
        ms("gap_p99")
    );
    h.snapshot("sse_stream_arrivals");
    h.get_by_label(&row).click();
    h.run();
    assert_eq!(h.state().selected, Some(frames[0] as u32));
}

/// Statistics › gRPC Calls lists the calls `wirelens grpc` lists, and a
/// click on one selects its first packet and opens its connection's
/// sequence diagram.
#[test]
fn grpc_calls_window_lists_the_calls_and_opens_one() {
    let capture = fixture("packt_grpc_server-streaming.pcapng");
    let mut h = app_on(&capture);
    h.get_by_label("Statistics").click();
    h.run();
    h.get_by_label("gRPC Calls").click();
    wait_until(&mut h, "the calls never came", |app| {
        app.grpc_calls.scan.is_current(&app.snapshot().unwrap())
    });
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_wirelens"))
        .args(["grpc", "--format", "json"])
        .arg(&capture)
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let shown = h.state_mut().grpc_calls.calls().unwrap().to_vec();
    assert_eq!(serde_json::Value::from(shown.clone()), cli["calls"]);
    assert_eq!(shown.len(), 1);
    h.get_by_label("1 calls");
    h.get_by_label("/greet.GreetService/GreetManyTimes 0")
        .click();
    h.run();
    assert_eq!(h.state().selected, Some(13));
    let streams: Vec<u32> = h.state().sequences.iter().map(|d| d.stream).collect();
    assert_eq!(streams, vec![0]);
}
