//! AFL entry point; the checks are `sockscope_fuzz::settings`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::settings(data));
}
