//! AFL entry point; the checks are `sockscope_fuzz::script`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::script(data));
}
