//! AFL entry point; the checks are `sockscope_fuzz::checksum`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::checksum(data));
}
