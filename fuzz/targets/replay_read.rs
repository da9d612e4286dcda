//! AFL entry point; the checks are `sockscope_fuzz::replay_read`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::replay_read(data));
}
