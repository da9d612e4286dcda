//! AFL entry point; the checks are `sockscope_fuzz::escape`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::escape(data));
}
