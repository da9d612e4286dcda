//! Numbers as people read them: digit groups, sizes, and counts with their noun.

/// 1234567 → "1,234,567".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A size in bytes, in MiB from 10 MiB up so big numbers stay short: "9,999 B", "12 MiB".
pub fn bytes_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= 10 * MIB {
        format!("{} MiB", group_digits(bytes / MIB))
    } else {
        format!("{} B", group_digits(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits_by_thousands() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes_text(10 * 1024 * 1024 - 1), "10,485,759 B");
        assert_eq!(bytes_text(1536 * 1024 * 1024), "1,536 MiB");
    }
}
