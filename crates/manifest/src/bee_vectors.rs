//! Bee's test vectors (`pkg/manifest/mantaray/marshal_test.go`).

use std::collections::BTreeMap;

use comb_primitives::B256;

use crate::{ManifestError, Node, NODE_TYPE_EDGE};

const OUTPUT_01: &str = "52fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64950ac787fbce1061870e8d34e0a638bc7e812c7ca4ebd31d626a572ba47b06f6952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072102654f163f5f0fa0621d729566c74d10037c4d7bbb0407d1e2c64950fcd3072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64950f89d6640e3044f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64850ff9f642182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64b50fc98072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64a50ff99622182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64d";

const OUTPUT_02: &str = "52fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64905954fb18659339d0b25e0fb9723d3cd5d528fb3c8d495fd157bd7b7a210496952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072102654f163f5f0fa0621d729566c74d10037c4d7bbb0407d1e2c64940fcd3072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952e3872548ec012a6e123b60f9177017fb12e57732621d2c1ada267adbe8cc4350f89d6640e3044f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64850ff9f642182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64b50fc98072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64a50ff99622182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64952fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c64d";

/// Bee's `Test_UnmarshalBinary` node with one `/` fork carrying website metadata; `size`
/// is the hex metadata length field (valid: `5d`, 93).
fn metadata_case(size: &str) -> Vec<u8> {
    let s = format!(
        "00000000000000000000000000000000000000000000000000000000000000005768b3b6a7db56d21d1abff40d41cebfc83448fed8d7e9b06ec0d3b073f28f200000000000000000000000000000000000000000000000000000000000000000000000000080000000000000000000000000000000000000000000000000000016012f0000000000000000000000000000000000000000000000000000000000e87f95c3d081c4fede769b6c69e27b435e525cbd25c6715c607e7c531e32963900{size}7b22776562736974652d696e6465782d646f63756d656e74223a2233356561656538316262363338303436393965633637316265323736326465626665346662643330636461646139303232393239646131613965366134366436227d0a"
    );
    hex::decode(s).unwrap_or_default()
}

fn decode(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_default()
}

/// `testEntries`: path, metadata.
fn test_entries() -> Vec<(&'static [u8], BTreeMap<String, String>)> {
    let mut index = BTreeMap::new();
    index.insert("index-document".to_string(), "aaaaa".to_string());
    vec![
        (b"/", index),
        (b"aaaaa", BTreeMap::new()),
        (b"cc", BTreeMap::new()),
        (b"d", BTreeMap::new()),
        (b"ee", BTreeMap::new()),
    ]
}

/// The entry Bee's `TestMarshal` gives a path: the path right-aligned in 32 zero bytes.
fn entry_for(path: &[u8]) -> B256 {
    let mut e = [0u8; 32];
    e[32 - path.len()..].copy_from_slice(path);
    B256::from(e)
}

fn key_of(vector: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    key.copy_from_slice(&decode(vector)[..32]);
    key
}

fn check_unmarshal(vector: &str, with_metadata: bool) -> Result<(), ManifestError> {
    let data = decode(vector);
    let node = Node::unmarshal(&data)?;
    assert_eq!(node.obfuscation_key(), &key_of(vector));
    // The root has no entry: the encrypted entry bytes are the key itself.
    assert_eq!(node.entry(), B256::ZERO);
    let forks: Vec<_> = node.forks().collect();
    let entries = test_entries();
    assert_eq!(forks.len(), entries.len());
    for ((prefix, child), (path, metadata)) in forks.iter().zip(&entries) {
        assert_eq!(prefix, path);
        assert!(!child.is_loaded());
        if with_metadata {
            assert_eq!(child.metadata(), metadata);
        }
    }
    Ok(())
}

#[test]
fn unmarshal_01() -> Result<(), ManifestError> {
    check_unmarshal(OUTPUT_01, false)
}

#[test]
fn unmarshal_02() -> Result<(), ManifestError> {
    check_unmarshal(OUTPUT_02, true)
}

/// Bee's `TestMarshal`: the trie built from `testEntries` with the seeded key, and child
/// references 0, 1, 2, … in fork order, marshals to `testMarshalOutput02`.
#[test]
fn marshal_02() -> Result<(), ManifestError> {
    let mut node = Node::with_obfuscation_key(key_of(OUTPUT_02));
    for (path, metadata) in test_entries() {
        node.add(path, entry_for(path), metadata)?;
    }
    if let Some(forks) = node.forks.as_mut() {
        for (i, fork) in forks.values_mut().enumerate() {
            let mut r = [0u8; 32];
            r[31] = i as u8;
            fork.node.reference = Some(B256::from(r));
        }
    }
    assert_eq!(hex::encode(node.marshal()?), OUTPUT_02);
    Ok(())
}

/// Unmarshalling Bee's bytes and marshalling them again gives the same bytes.
#[test]
fn remarshal_02() -> Result<(), ManifestError> {
    let node = Node::unmarshal(&decode(OUTPUT_02))?;
    assert_eq!(hex::encode(node.marshal()?), OUTPUT_02);
    Ok(())
}

/// Bee's `Test_UnmarshalBinary` table.
#[test]
fn unmarshal_binary_table() {
    assert!(matches!(
        Node::unmarshal(&[]),
        Err(ManifestError::TooShort(_))
    ));
    assert!(matches!(
        Node::unmarshal(&[0; 63]),
        Err(ManifestError::TooShort(_))
    ));
    assert!(matches!(
        Node::unmarshal(&[0; 64]),
        Err(ManifestError::InvalidVersionHash(_))
    ));
    // Size 89 < 93: truncated JSON.
    assert!(matches!(
        Node::unmarshal(&metadata_case("59")),
        Err(ManifestError::InvalidMetadata { byte: b'/', .. })
    ));
    // Size 95 and 96 > 93: beyond the data.
    for size in ["5f", "60"] {
        assert!(matches!(
            Node::unmarshal(&metadata_case(size)),
            Err(ManifestError::TooShort(_))
        ));
    }
}

#[test]
fn unmarshal_valid_metadata_case() -> Result<(), ManifestError> {
    let node = Node::unmarshal(&metadata_case("5d"))?;
    assert_eq!(node.node_type() & NODE_TYPE_EDGE, NODE_TYPE_EDGE);
    let forks: Vec<_> = node.forks().collect();
    assert_eq!(forks.len(), 1);
    let (prefix, child) = forks[0];
    assert_eq!(prefix, b"/");
    assert_eq!(child.node_type(), 0x16);
    assert_eq!(
        child
            .metadata()
            .get("website-index-document")
            .map(String::as_str),
        Some("35eaee81bb63804699ec671be2762debfe4fbd30cdada9022929da1a9e6a46d6")
    );
    assert_eq!(
        child.reference().map(hex::encode),
        Some("e87f95c3d081c4fede769b6c69e27b435e525cbd25c6715c607e7c531e329639".to_string())
    );
    Ok(())
}
