//! Hostile captures (issue 16): each crafted input loads in bounded time
//! and memory, and damaged files say where and why they stop.

mod inputs;

/// `WIRELENS_HOSTILE_DIR=DIR cargo test --test hostile` writes every input
/// to DIR, for `wirelens bench` and the app.
#[test]
fn inputs_are_written_when_asked() {
    let Ok(dir) = std::env::var("WIRELENS_HOSTILE_DIR") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in inputs::all() {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}
