//! AFL entry point; the checks are `sockscope_fuzz::template`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::template(data));
}
