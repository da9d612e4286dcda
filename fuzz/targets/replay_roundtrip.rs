//! AFL entry point; the checks are `sockscope_fuzz::replay_roundtrip`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::replay_roundtrip(data));
}
