//! Trie behaviour, persistence round trips and malformed input.

use std::collections::{BTreeMap, HashMap};

use comb_manifest::{ManifestError, Node, MAX_DEPTH};
use comb_primitives::{Chunk, B256};
use proptest::prelude::*;

type Store = HashMap<B256, Chunk>;

fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sample() -> Result<Node, ManifestError> {
    let mut root = Node::new();
    root.add(
        b"/",
        B256::ZERO,
        meta(&[("website-index-document", "index.html")]),
    )?;
    root.add(
        b"index.html",
        B256::repeat_byte(1),
        meta(&[("Content-Type", "text/html")]),
    )?;
    root.add(b"img/logo.png", B256::repeat_byte(2), BTreeMap::new())?;
    root.add(b"img/icon.png", B256::repeat_byte(3), BTreeMap::new())?;
    let long = [b'x'; 70];
    root.add(&long, B256::repeat_byte(4), BTreeMap::new())?;
    Ok(root)
}

#[test]
fn add_lookup_remove() -> Result<(), ManifestError> {
    let mut root = sample()?;
    assert_eq!(
        root.lookup(b"index.html")?,
        Some((B256::repeat_byte(1), meta(&[("Content-Type", "text/html")])))
    );
    assert_eq!(
        root.lookup(b"img/icon.png")?.map(|v| v.0),
        Some(B256::repeat_byte(3))
    );
    assert_eq!(
        root.lookup(&[b'x'; 70])?.map(|v| v.0),
        Some(B256::repeat_byte(4))
    );
    assert_eq!(root.lookup(b"img/")?, None);
    assert_eq!(root.lookup(b"img/logo")?, None);
    assert_eq!(root.lookup(b"nope")?, None);

    // Separator flags follow Bee's rule (set from the path being added at each level):
    // the `i` node and its `mg/` child have one, the `logo.png` leaf split off below does not.
    let (_, i) = root
        .forks()
        .find(|(p, _)| p == b"i")
        .ok_or(ManifestError::NotFound)?;
    assert_eq!(i.forks().count(), 2);
    assert!(i.is_with_path_separator());
    let (_, mg) = i
        .forks()
        .find(|(p, _)| p == b"mg/")
        .ok_or(ManifestError::NotFound)?;
    assert!(mg.is_with_path_separator());
    let (_, logo) = mg
        .forks()
        .find(|(p, _)| p == b"logo.png")
        .ok_or(ManifestError::NotFound)?;
    assert!(!logo.is_with_path_separator());
    assert!(logo.is_value() && !logo.is_edge());

    // Replacing an entry.
    root.add(b"img/logo.png", B256::repeat_byte(9), BTreeMap::new())?;
    assert_eq!(
        root.lookup(b"img/logo.png")?.map(|v| v.0),
        Some(B256::repeat_byte(9))
    );

    root.remove(b"img/logo.png")?;
    assert_eq!(root.lookup(b"img/logo.png")?, None);
    assert_eq!(
        root.lookup(b"img/icon.png")?.map(|v| v.0),
        Some(B256::repeat_byte(3))
    );
    assert!(matches!(
        root.remove(b"img/logo.png"),
        Err(ManifestError::NotFound)
    ));
    assert!(matches!(root.remove(b""), Err(ManifestError::EmptyPath)));

    // Removing a prefix entry keeps the longer paths below it (unlike Bee).
    let mut t = Node::new();
    t.add(b"foo", B256::repeat_byte(1), BTreeMap::new())?;
    t.add(b"foobar", B256::repeat_byte(2), BTreeMap::new())?;
    t.add(b"foobarbaz", B256::repeat_byte(3), BTreeMap::new())?;
    assert_eq!(t.forks().count(), 1);
    t.remove(b"foo")?;
    assert_eq!(t.lookup(b"foo")?, None);
    assert_eq!(
        t.lookup(b"foobar")?.map(|v| v.0),
        Some(B256::repeat_byte(2))
    );
    t.remove(b"foobarbaz")?;
    assert_eq!(t.lookup(b"foobarbaz")?, None);
    t.remove(b"foobar")?;
    assert_eq!(t.forks().count(), 0);
    Ok(())
}

#[test]
fn walk_visits_all_paths() -> Result<(), ManifestError> {
    let root = sample()?;
    let paths: Vec<Vec<u8>> = root.entries()?.into_iter().map(|e| e.0).collect();
    let mut expected: Vec<Vec<u8>> = vec![
        b"/".to_vec(),
        b"img/icon.png".to_vec(),
        b"img/logo.png".to_vec(),
        b"index.html".to_vec(),
        vec![b'x'; 70],
    ];
    expected.sort();
    assert_eq!(paths, expected);
    let mut nodes = 0;
    root.walk(|_, _| {
        nodes += 1;
        Ok(())
    })?;
    assert!(nodes > paths.len());
    Ok(())
}

#[test]
fn save_load_lookup() -> Result<(), ManifestError> {
    let mut root = sample()?;
    let mut store = Store::new();
    let reference = root.save(&mut store)?;
    assert_eq!(root.reference(), Some(reference));
    // The reference is the Swarm file root of the marshalled root node.
    assert_eq!(comb_filetree::root_hash(&root.marshal()?)?, reference);

    let loaded = Node::load(&store, reference)?;
    assert_eq!(loaded.entries()?, root.entries()?);
    let mut again = loaded.clone();
    assert_eq!(again.save(&mut Store::new())?, reference);

    let lazy = Node::load_lazy(&store, reference)?;
    assert!(matches!(
        lazy.lookup(b"index.html"),
        Err(ManifestError::NotLoaded(_))
    ));
    assert_eq!(
        lazy.lookup_with(&store, b"index.html")?,
        Some((B256::repeat_byte(1), meta(&[("Content-Type", "text/html")])))
    );
    assert_eq!(lazy.lookup_with(&store, b"missing")?, None);

    // Changing a loaded trie changes its reference; unchanged nodes are not rewritten.
    let mut changed = loaded;
    changed.add(b"new", B256::repeat_byte(5), BTreeMap::new())?;
    assert_eq!(changed.reference(), None);
    let mut fresh = Store::new();
    let r2 = changed.save(&mut fresh)?;
    assert_ne!(r2, reference);
    assert!(fresh.len() < store.len() + 2);
    Ok(())
}

#[test]
fn empty_manifest_and_obfuscation() -> Result<(), ManifestError> {
    let mut empty = Node::new();
    let bytes = empty.marshal()?;
    assert_eq!(bytes.len(), 96);
    let mut store = Store::new();
    let r = empty.save(&mut store)?;
    assert_eq!(Node::load(&store, r)?.entries()?, vec![]);

    let mut root = Node::with_obfuscation_key([0xa5; 32]);
    root.add(b"a/b", B256::repeat_byte(7), meta(&[("k", "v")]))?;
    root.add(b"a/c", B256::repeat_byte(8), BTreeMap::new())?;
    let r = root.save(&mut store)?;
    let loaded = Node::load(&store, r)?;
    assert_eq!(loaded.obfuscation_key(), &[0xa5; 32]);
    assert_eq!(loaded.entries()?, root.entries()?);
    // The version hash is not visible in the clear.
    let m = root.marshal()?;
    assert_ne!(m[32..63], comb_manifest::VERSION_02_HASH);
    Ok(())
}

#[test]
fn limits_and_unsaved_children() -> Result<(), ManifestError> {
    let mut root = Node::new();
    assert!(matches!(
        root.add(&vec![b'a'; MAX_DEPTH], B256::ZERO, BTreeMap::new()),
        Err(ManifestError::TooDeep(_))
    ));
    root.add(b"a", B256::repeat_byte(1), BTreeMap::new())?;
    assert!(matches!(
        root.marshal(),
        Err(ManifestError::UnsavedChild(b'a'))
    ));
    let big = meta(&[("k", &"v".repeat(70_000))]);
    root.add(b"b", B256::repeat_byte(1), big)?;
    assert!(matches!(
        root.save(&mut Store::new()),
        Err(ManifestError::MetadataTooLarge(_))
    ));
    Ok(())
}

#[test]
fn missing_chunk_is_an_error() -> Result<(), ManifestError> {
    let mut root = sample()?;
    let mut store = Store::new();
    let r = root.save(&mut store)?;
    assert!(Node::load(&Store::new(), r).is_err());
    // Drop one child chunk: eager load fails, lazy load of the root still works.
    let victim = root
        .forks()
        .next()
        .and_then(|(_, n)| n.reference())
        .ok_or(ManifestError::NotFound)?;
    store.remove(&victim);
    assert!(Node::load(&store, r).is_err());
    assert!(Node::load_lazy(&store, r).is_ok());
    Ok(())
}

fn path_strategy() -> impl Strategy<Value = Vec<u8>> {
    // A small alphabet makes shared prefixes and splits likely; lengths cross the 30-byte
    // prefix limit.
    prop::collection::vec(prop::sample::select(b"ab/c.x".to_vec()), 1..80)
}

fn meta_strategy() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map("[a-z<&\"]{0,6}", "\\PC{0,40}", 0..3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_tries_round_trip(
        items in prop::collection::vec((path_strategy(), any::<[u8; 32]>(), meta_strategy()), 1..25),
        key in any::<[u8; 32]>(),
    ) {
        let mut root = Node::with_obfuscation_key(key);
        let mut expected = BTreeMap::new();
        for (path, entry, metadata) in &items {
            root.add(path, B256::from(*entry), metadata.clone())?;
            let prev: Option<(B256, BTreeMap<String, String>)> = expected.get(path).cloned();
            let kept = if metadata.is_empty() { prev.map(|p| p.1).unwrap_or_default() } else { metadata.clone() };
            expected.insert(path.clone(), (B256::from(*entry), kept));
        }
        for (path, value) in &expected {
            prop_assert_eq!(root.lookup(path)?, Some(value.clone()));
        }
        let mut store = Store::new();
        let reference = root.save(&mut store)?;
        // Every node: marshal -> unmarshal -> marshal is the identity.
        root.walk(|_, node| {
            let bytes = node.marshal()?;
            assert_eq!(Node::unmarshal(&bytes)?.marshal()?, bytes);
            Ok(())
        })?;
        let loaded = Node::load(&store, reference)?;
        for (path, value) in &expected {
            prop_assert_eq!(loaded.lookup(path)?, Some(value.clone()));
            prop_assert_eq!(loaded.lookup_with(&store, path)?, Some(value.clone()));
        }
        let walked: BTreeMap<Vec<u8>, (B256, BTreeMap<String, String>)> =
            loaded.entries()?.into_iter().map(|(p, e, m)| (p, (e, m))).collect();
        prop_assert_eq!(walked, expected);
    }

    #[test]
    fn malformed_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = Node::unmarshal(&data);
    }

    #[test]
    fn mutated_nodes_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut root = sample()?;
        root.save(&mut Store::new())?;
        let mut bytes = root.marshal()?;
        for (i, v) in flips {
            let i = i.index(bytes.len());
            bytes[i] = v;
        }
        let _ = Node::unmarshal(&bytes);
        let _ = Node::unmarshal(&bytes[..cut.index(bytes.len())]);
    }
}
