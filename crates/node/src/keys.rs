//! The node's keys: the overlay/wallet key (secp256k1, signs stamps, handshakes and
//! transactions) kept in `DATA_DIR/keys/swarm.key` as hex, created on first start.

use std::fs;
use std::path::Path;

use comb_primitives::Signer;

use crate::NodeError;

/// Loads the node key from `data_dir`, creating it on first start. A key given in the
/// configuration wins and is not written to disk.
pub fn load_or_create(data_dir: &Path, configured: Option<&str>) -> Result<Signer, NodeError> {
    if let Some(hex_key) = configured {
        return Signer::from_hex(hex_key)
            .map_err(|e| NodeError::Config(format!("private key: {e}")));
    }
    let dir = data_dir.join("keys");
    let path = dir.join("swarm.key");
    if path.exists() {
        let text = fs::read_to_string(&path)
            .map_err(|e| NodeError::Io(format!("{}: {e}", path.display())))?;
        return Signer::from_hex(text.trim())
            .map_err(|e| NodeError::Config(format!("{}: {e}", path.display())));
    }
    fs::create_dir_all(&dir).map_err(|e| NodeError::Io(format!("{}: {e}", dir.display())))?;
    let signer = Signer::random();
    let temporary = dir.join("swarm.key.tmp");
    fs::write(&temporary, hex::encode(signer.secret_bytes()))
        .and_then(|()| fs::rename(&temporary, &path))
        .map_err(|e| NodeError::Io(format!("{}: {e}", path.display())))?;
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_is_reused() {
        let dir = std::env::temp_dir().join(format!("comb-keys-{}", std::process::id()));
        let first = load_or_create(&dir, None).unwrap();
        let second = load_or_create(&dir, None).unwrap();
        assert_eq!(first.address(), second.address());
        let configured = load_or_create(&dir, Some(&"11".repeat(32))).unwrap();
        assert_ne!(configured.address(), first.address());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
