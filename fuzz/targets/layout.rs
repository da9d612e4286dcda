//! AFL entry point; the checks are `sockscope_fuzz::layout`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::layout(data));
}
