//! AFL entry point; the checks are `sockscope_fuzz::framing`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::framing(data));
}
