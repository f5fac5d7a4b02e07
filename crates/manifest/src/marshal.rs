//! Node serialisation (Bee `pkg/manifest/mantaray/marshal.go`, format `mantaray:0.2`).

use std::collections::BTreeMap;

use comb_primitives::B256;

use crate::error::ManifestError;
use crate::json;
use crate::node::{Fork, Node, NODE_TYPE_EDGE, NODE_TYPE_WITH_METADATA, PREFIX_MAX_SIZE};

/// The first 31 bytes of `keccak256("mantaray:0.2")`, the version hash every node written
/// by this crate carries.
pub const VERSION_02_HASH: [u8; 31] = [
    0x57, 0x68, 0xb3, 0xb6, 0xa7, 0xdb, 0x56, 0xd2, 0x1d, 0x1a, 0xbf, 0xf4, 0x0d, 0x41, 0xce, 0xbf,
    0xc8, 0x34, 0x48, 0xfe, 0xd8, 0xd7, 0xe9, 0xb0, 0x6e, 0xc0, 0xd3, 0xb0, 0x73, 0xf2, 0x8f,
];

/// The first 31 bytes of `keccak256("mantaray:0.1")`: the older format, read but never
/// written (its forks carry no metadata).
pub const VERSION_01_HASH: [u8; 31] = [
    0x02, 0x51, 0x84, 0x78, 0x9d, 0x63, 0x63, 0x57, 0x66, 0xd7, 0x8c, 0x41, 0x90, 0x01, 0x96, 0xb5,
    0x7d, 0x74, 0x00, 0x87, 0x5e, 0xbe, 0x4d, 0x9b, 0x5d, 0x1e, 0x76, 0xbd, 0x96, 0x52, 0xa9,
];

/// Obfuscation key size, also the XOR block size and the metadata padding multiple.
const KEY_SIZE: usize = 32;
/// Obfuscation key, version hash and reference size byte.
const HEADER_SIZE: usize = 64;
/// Fork type, prefix length and the 30-byte padded prefix.
const FORK_PRE_REFERENCE_SIZE: usize = 32;
/// Fork metadata length field.
const METADATA_SIZE_BYTES: usize = 2;
/// The only non-zero reference size supported (no 64-byte encrypted references).
const REF_SIZE: u8 = 32;

/// XORs everything after the 32-byte key with the key, repeated (its own inverse).
fn xor_after_key(data: &mut [u8], key: &[u8; 32]) {
    for (i, b) in data.iter_mut().enumerate().skip(KEY_SIZE) {
        *b ^= key[i % KEY_SIZE];
    }
}

/// The bytes of `len` at `offset`, or [`ManifestError::TooShort`] naming `what`.
fn take<'a>(
    data: &'a [u8],
    offset: usize,
    len: usize,
    what: &'static str,
) -> Result<&'a [u8], ManifestError> {
    offset
        .checked_add(len)
        .and_then(|end| data.get(offset..end))
        .ok_or(ManifestError::TooShort(what))
}

/// Go's metadata padding: JSON plus its 2-byte size is padded with `'\n'` to 32 bytes if
/// shorter, and otherwise to the next multiple of 32, where an exact multiple above 32
/// still gets a whole 32 bytes of padding (Bee's quirk, kept for byte-exactness).
fn metadata_padding(json_len: usize) -> usize {
    let with_size = json_len.saturating_add(METADATA_SIZE_BYTES);
    match with_size.cmp(&KEY_SIZE) {
        std::cmp::Ordering::Less => KEY_SIZE - with_size,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => KEY_SIZE - with_size % KEY_SIZE,
    }
}

impl Node {
    /// Serialises this node as Bee does (`mantaray:0.2`), obfuscated with its key. Every
    /// child must already have a reference ([`Node::save`] sees to that), else
    /// [`ManifestError::UnsavedChild`]; an unloaded node is [`ManifestError::NotLoaded`].
    pub fn marshal(&self) -> Result<Vec<u8>, ManifestError> {
        let forks = self
            .forks
            .as_ref()
            .ok_or(ManifestError::NotLoaded(self.reference))?;
        let ref_size = usize::from(self.ref_size).min(32);
        let mut out = Vec::with_capacity(HEADER_SIZE + ref_size + 32 + forks.len() * 64);
        out.extend_from_slice(&self.obfuscation_key);
        out.extend_from_slice(&VERSION_02_HASH);
        out.push(self.ref_size);
        out.extend_from_slice(&self.entry.as_slice()[..ref_size]);

        let mut bitmap = [0u8; 32];
        for &b in forks.keys() {
            bitmap[usize::from(b / 8)] |= 1 << (b % 8);
        }
        out.extend_from_slice(&bitmap);

        for (&b, fork) in forks {
            let child = fork.node.reference.ok_or(ManifestError::UnsavedChild(b))?;
            let prefix_len = fork.prefix.len().min(PREFIX_MAX_SIZE);
            out.push(fork.node.node_type);
            out.push(prefix_len as u8);
            let mut prefix = [0u8; PREFIX_MAX_SIZE];
            prefix[..prefix_len].copy_from_slice(&fork.prefix[..prefix_len]);
            out.extend_from_slice(&prefix);
            out.extend_from_slice(child.as_slice());
            if fork.node.is_with_metadata() {
                let mut meta = json::encode_map(&fork.node.metadata);
                let padding = metadata_padding(meta.len());
                meta.resize(meta.len().saturating_add(padding), b'\n');
                let size = u16::try_from(meta.len())
                    .map_err(|_| ManifestError::MetadataTooLarge(meta.len()))?;
                out.extend_from_slice(&size.to_be_bytes());
                out.extend_from_slice(&meta);
            }
        }

        xor_after_key(&mut out, &self.obfuscation_key);
        Ok(out)
    }

    /// Parses a serialised node (`mantaray:0.2`, or `0.1`). Its children come back
    /// unloaded: known by reference, type and metadata only. Malformed input is an error.
    pub fn unmarshal(data: &[u8]) -> Result<Node, ManifestError> {
        if data.len() < HEADER_SIZE {
            return Err(ManifestError::TooShort("header"));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&data[..KEY_SIZE]);
        let mut plain = data.to_vec();
        xor_after_key(&mut plain, &key);

        let version = &plain[KEY_SIZE..HEADER_SIZE - 1];
        let v02 = if version == VERSION_02_HASH {
            true
        } else if version == VERSION_01_HASH {
            false
        } else {
            let hex: String = version.iter().map(|b| format!("{b:02x}")).collect();
            return Err(ManifestError::InvalidVersionHash(hex));
        };
        let ref_size = plain[HEADER_SIZE - 1];
        if ref_size != 0 && ref_size != REF_SIZE {
            return Err(ManifestError::UnsupportedReferenceSize(ref_size));
        }
        let rs = usize::from(ref_size);
        let mut offset = HEADER_SIZE;
        let entry_bytes = take(&plain, offset, rs, "entry")?;
        let entry = if rs == 0 {
            B256::ZERO
        } else {
            B256::from_slice(entry_bytes)
        };
        offset += rs;
        let bitmap = take(&plain, offset, 32, "fork bitmap")?;
        offset += 32;

        let mut node = Node::with_obfuscation_key(key);
        node.ref_size = ref_size;
        node.entry = entry;
        if bitmap.iter().any(|&b| b != 0) {
            node.node_type |= NODE_TYPE_EDGE;
        }
        let mut forks = BTreeMap::new();
        // As in Bee, a node without references (an empty manifest) has no forks to read.
        if rs > 0 {
            for b in 0..=255u8 {
                if bitmap[usize::from(b / 8)] >> (b % 8) & 1 == 0 {
                    continue;
                }
                let (fork, len) = parse_fork(&plain, offset, b, rs, v02)?;
                forks.insert(b, fork);
                offset += len;
            }
        }
        node.forks = Some(forks);
        Ok(node)
    }
}

/// Parses the fork for byte `b` at `offset`; returns it and its serialised length.
fn parse_fork(
    plain: &[u8],
    offset: usize,
    b: u8,
    rs: usize,
    v02: bool,
) -> Result<(Fork, usize), ManifestError> {
    let base = FORK_PRE_REFERENCE_SIZE + rs;
    let node_type = *take(plain, offset, 1, "fork type")?
        .first()
        .ok_or(ManifestError::TooShort("fork type"))?;
    let with_metadata = v02 && node_type & NODE_TYPE_WITH_METADATA != 0;
    let (len, metadata_len) = if with_metadata {
        let size = take(plain, offset, base + METADATA_SIZE_BYTES, "fork")?;
        let metadata_len = usize::from(u16::from_be_bytes([size[base], size[base + 1]]));
        (base + METADATA_SIZE_BYTES + metadata_len, metadata_len)
    } else {
        (base, 0)
    };
    let bytes = take(plain, offset, len, "fork")?;
    let prefix_len = bytes[1];
    if prefix_len == 0 || usize::from(prefix_len) > PREFIX_MAX_SIZE {
        return Err(ManifestError::InvalidPrefixLength {
            byte: b,
            len: prefix_len,
        });
    }
    let prefix = bytes[2..2 + usize::from(prefix_len)].to_vec();
    let reference = B256::from_slice(&bytes[FORK_PRE_REFERENCE_SIZE..base]);
    let metadata = if metadata_len > 0 {
        json::decode_map(&bytes[base + METADATA_SIZE_BYTES..])
            .map_err(|source| ManifestError::InvalidMetadata { byte: b, source })?
    } else {
        BTreeMap::new()
    };
    let mut child = Node::unloaded(reference);
    child.node_type = node_type;
    child.metadata = metadata;
    Ok((
        Fork {
            prefix,
            node: child,
        },
        len,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use comb_primitives::keccak256;

    #[test]
    fn version_hashes() {
        assert_eq!(keccak256(b"mantaray:0.2")[..31], VERSION_02_HASH);
        assert_eq!(keccak256(b"mantaray:0.1")[..31], VERSION_01_HASH);
    }

    #[test]
    fn padding_rule() {
        assert_eq!(metadata_padding(26), 4);
        assert_eq!(metadata_padding(30), 0);
        assert_eq!(metadata_padding(31), 31);
        assert_eq!(metadata_padding(62), 32);
        assert_eq!(metadata_padding(93), 1);
    }
}
