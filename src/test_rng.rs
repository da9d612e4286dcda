//! A seeded xorshift64 generator for the randomized tests: the same numbers on every run and
//! every machine, so a failure names an input that can be run again.

/// The numbers after `seed` (which must not be 0).
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
