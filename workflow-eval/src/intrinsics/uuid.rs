//! `States.UUID`.

use serde_json::Value;

use super::entropy::Entropy;

/// `States.UUID()`: a version 4 (random) UUID in its lowercase hyphenated form.
pub(crate) fn uuid(entropy: &mut dyn Entropy) -> Value {
    let high = entropy.next_u64();
    let low = entropy.next_u64();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    bytes[8..].copy_from_slice(&low.to_be_bytes());
    // RFC 9562: version 4 in the high nibble of byte 6, variant `10` in the top of byte 8.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Value::String(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

#[cfg(test)]
mod tests {
    use crate::intrinsics::{Call, Evaluate, SeededEntropy};

    #[test]
    fn makes_version_4_uuids() {
        let call = Call::parse("States.UUID()").unwrap();
        let mut entropy = SeededEntropy::new(5);
        let a = call
            .evaluate_with(&|_| unreachable!(), &mut entropy)
            .unwrap();
        let b = call
            .evaluate_with(&|_| unreachable!(), &mut entropy)
            .unwrap();
        assert_ne!(a, b);
        let text = a.as_str().unwrap();
        assert_eq!(text.len(), 36);
        let groups: Vec<&str> = text.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('4'));
        assert!(matches!(
            groups[3].chars().next(),
            Some('8' | '9' | 'a' | 'b')
        ));
        assert!(
            text.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}
