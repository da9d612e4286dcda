//! What a script keeps from call to call, measured in bytes (roughly: each value counts its
//! bytes and 16 for itself), so that state which only grows ends the script with a message.

use rhai::{Array, Blob, Dynamic, ImmutableString, Map};

/// A value's own cost besides its bytes.
const VALUE: usize = 16;

/// Deeper than any protocol's state: past it the value counts as too large.
const DEEPEST: usize = 64;

/// `value`'s size in bytes, shared values included; `usize::MAX` for one nested too deep.
pub(super) fn of(value: &Dynamic) -> usize {
    within(value, 0)
}

fn within(value: &Dynamic, depth: usize) -> usize {
    if depth > DEEPEST {
        return usize::MAX;
    }
    if let Some(blob) = value.read_lock::<Blob>() {
        return VALUE + blob.len();
    }
    if let Some(text) = value.read_lock::<ImmutableString>() {
        return VALUE + text.len();
    }
    if let Some(array) = value.read_lock::<Array>() {
        return array.iter().fold(VALUE, |sum, item| {
            sum.saturating_add(within(item, depth + 1))
        });
    }
    if let Some(map) = value.read_lock::<Map>() {
        return map.iter().fold(VALUE, |sum, (key, item)| {
            sum.saturating_add(key.len() + within(item, depth + 1))
        });
    }
    VALUE
}
