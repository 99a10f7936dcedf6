//! Expert Information grows with the store: groups scanned a stretch at a
//! time and merged equal one scan of the whole capture, on every fixture.

mod common;

use std::sync::atomic::AtomicBool;

use common::*;
use wirelens::capture::CaptureFile;
use wirelens::store::experts::ExpertGroups;

#[test]
fn groups_merged_stretch_by_stretch_equal_one_scan() {
    let mut report = Report::default();
    let mut items = 0;
    let no = AtomicBool::new(false);
    for fx in fixtures() {
        let file = CaptureFile::open(&fx.path).unwrap();
        let snap = load(&fx);
        let len = snap.index.len();
        let whole = ExpertGroups::scan(&snap, &file, 0..len, &no).unwrap();
        items += whole.groups().iter().map(|g| g.frames.len()).sum::<usize>();
        for parts in [2, 7] {
            let mut merged = ExpertGroups::default();
            let step = len.div_ceil(parts).max(1);
            for from in (0..len).step_by(step) {
                merged.merge(ExpertGroups::scan(&snap, &file, from..from + step, &no).unwrap());
            }
            assert_eq!(merged.covered, len);
            if merged.sorted() != whole.sorted() {
                report.fail(&fx.name, format!("{parts} stretches differ from one scan"));
            }
        }
    }
    assert!(items > 1000, "only {items} expert items");
    report.finish();
}
