//! AFL entry point; the checks are `sockscope_fuzz::hex`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::hex(data));
}
