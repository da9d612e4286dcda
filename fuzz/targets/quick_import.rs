//! AFL entry point; the checks are `sockscope_fuzz::quick_import`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::quick_import(data));
}
