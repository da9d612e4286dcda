//! AFL entry point; the checks are `sockscope_fuzz::stream`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::stream(data));
}
