//! Bee's bit vector for pullsync's `Want`: bit `i` lives in byte `i / 8` at `1 << (i % 8)`;
//! a vector of `n` bits takes `n / 8 + 1` bytes.

/// Encodes which of `n` items are wanted.
pub fn encode(wanted: &[bool]) -> Vec<u8> {
    let mut bytes = vec![0u8; wanted.len() / 8 + 1];
    for (index, _) in wanted.iter().enumerate().filter(|(_, w)| **w) {
        if let Some(byte) = bytes.get_mut(index / 8) {
            *byte |= 1 << (index % 8);
        }
    }
    bytes
}

/// Decodes a vector of `n` bits; `None` if the bytes are too few.
pub fn decode(bytes: &[u8], n: usize) -> Option<Vec<bool>> {
    if bytes.len().saturating_mul(8) < n {
        return None;
    }
    Some(
        (0..n)
            .map(|index| {
                bytes
                    .get(index / 8)
                    .is_some_and(|byte| byte & (1 << (index % 8)) != 0)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let wanted = [true, false, false, true, false, false, false, false, true];
        let bytes = encode(&wanted);
        assert_eq!(bytes, vec![0b0000_1001, 0b0000_0001]);
        assert_eq!(decode(&bytes, wanted.len()).unwrap(), wanted);
        assert!(decode(&[0], 9).is_none());
        assert_eq!(encode(&[]), vec![0]);
    }
}
