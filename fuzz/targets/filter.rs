//! AFL entry point; the checks are `sockscope_fuzz::filter`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::filter(data));
}
