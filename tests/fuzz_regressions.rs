//! Inputs the fuzzer once crashed on (fuzz/regressions/<target>/), replayed
//! through the same harness on every test run so that they stay fixed.

use std::path::Path;

#[test]
fn inputs_that_once_crashed_a_fuzz_target_no_longer_do() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for target in std::fs::read_dir(&dir).expect("fuzz/regressions") {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_str().unwrap().to_string();
        for input in std::fs::read_dir(&target).unwrap() {
            let data = std::fs::read(input.unwrap().path()).unwrap();
            match name.as_str() {
                "file_reader" => wirelens::capture::file::fuzz_read(&data),
                "capture" => wirelens::pipeline::fuzz::whole_capture(&data),
                "tcp_stream" => {}
                "filter" => wirelens::filter::fuzz_one(&data),
                other => {
                    assert!(
                        other == "link_layers"
                            || other == "hpack"
                            || other == "quic"
                            || other == "qpack"
                            || dissectors::harness::target(other).is_some()
                            || dissectors::harness::stream_target(other).is_some(),
                        "unknown fuzz target {other}"
                    );
                    dissectors::harness::run_target(other, &data);
                }
            }
            replayed += 1;
        }
    }
    assert!(replayed > 0);
}
