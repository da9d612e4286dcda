//! Property checks for Sockscope's parsers and decoders, one `pub fn` per fuzz target taking the
//! fuzzer's bytes. Each panics when its property fails, which AFL records as a crash; the
//! binaries in `targets/` are thin `afl::fuzz!` wrappers, and `src/bin/replay.rs` runs the same
//! checks over corpus files without AFL.

mod app;
mod codec;
mod input;
mod record;
mod script;
mod session;

pub use app::{auto_reply, quick_import, rules_import, settings};
pub use codec::{checksum, escape, hex, stream, template};
pub use record::{replay_read, replay_roundtrip};
pub use script::script;
pub use session::{filter, framing, layout};

/// A target's checks: they panic when a property fails.
pub type Check = fn(&[u8]);

/// Every target by name, for the plain runner.
pub const TARGETS: [(&str, Check); 15] = [
    ("hex", hex),
    ("escape", escape),
    ("checksum", checksum),
    ("framing", framing),
    ("stream", stream),
    ("layout", layout),
    ("filter", filter),
    ("quick_import", quick_import),
    ("rules_import", rules_import),
    ("settings", settings),
    ("template", template),
    ("auto_reply", auto_reply),
    ("replay_read", replay_read),
    ("replay_roundtrip", replay_roundtrip),
    ("script", script),
];

/// The character at 1-based `line` and `column` (in characters) of `text`, as the app's error
/// messages count them.
fn char_at(text: &str, line: usize, column: usize) -> Option<char> {
    text.split('\n')
        .nth(line.checked_sub(1)?)?
        .chars()
        .nth(column.checked_sub(1)?)
}
