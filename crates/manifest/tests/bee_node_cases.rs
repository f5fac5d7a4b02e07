//! The path sets of Bee's `pkg/manifest/mantaray/node_test.go` (`TestAddAndLookup`,
//! `TestAddAndLookupNode`, `TestRemove`, `TestHasPrefix`), each entry being its path
//! right-aligned in 32 zero bytes.

use std::collections::{BTreeMap, HashMap};

use comb_manifest::{ManifestError, Node};
use comb_primitives::{Chunk, B256};

fn entry_for(path: &[u8]) -> B256 {
    let mut e = [0u8; 32];
    e[32 - path.len()..].copy_from_slice(path);
    B256::from(e)
}

const CASES: &[&[&str]] = &[
    &[
        "aaaaaa", "aaaaab", "abbbb", "abbba", "bbbbba", "bbbaaa", "bbbaab", "aa", "b",
    ],
    &["/", "index.html", "img/1.png", "img/2.png", "robots.txt"],
    &[
        "..............................@",
        "..............................",
    ],
    &[
        "index.html",
        "img/1.png",
        "img/2/test1.png",
        "img/2/test2.png",
        "robots.txt",
    ],
    &["app.js.map", "app.js"],
    &[
        "css/",
        "css/app.css",
        "favicon.ico",
        "img/",
        "img/logo.png",
        "index.html",
        "js/",
        "js/chunk-vendors.js.map",
        "js/chunk-vendors.js",
        "js/app.js.map",
        "js/app.js",
    ],
];

#[test]
fn add_and_lookup() -> Result<(), ManifestError> {
    for case in CASES {
        let mut n = Node::new();
        for (i, path) in case.iter().enumerate() {
            n.add(path.as_bytes(), entry_for(path.as_bytes()), BTreeMap::new())?;
            for earlier in &case[..=i] {
                let got = n.lookup(earlier.as_bytes())?.map(|v| v.0);
                assert_eq!(got, Some(entry_for(earlier.as_bytes())), "{earlier}");
            }
        }
        let mut store: HashMap<B256, Chunk> = HashMap::new();
        let reference = n.save(&mut store)?;
        let lazy = Node::load_lazy(&store, reference)?;
        let eager = Node::load(&store, reference)?;
        for path in *case {
            let want = Some(entry_for(path.as_bytes()));
            assert_eq!(
                lazy.lookup_with(&store, path.as_bytes())?.map(|v| v.0),
                want
            );
            assert_eq!(eager.lookup(path.as_bytes())?.map(|v| v.0), want);
        }
    }
    Ok(())
}

#[test]
fn remove() -> Result<(), ManifestError> {
    let cases: [(&[&str], &str); 2] = [(CASES[1], "img/2.png"), (CASES[3], "img/2/test1.png")];
    for (paths, victim) in cases {
        let mut n = Node::new();
        for path in paths {
            let mut meta = BTreeMap::new();
            if *path == "/" {
                meta.insert("index-document".to_string(), "index.html".to_string());
            }
            n.add(path.as_bytes(), entry_for(path.as_bytes()), meta)?;
        }
        n.remove(victim.as_bytes())?;
        assert_eq!(n.lookup(victim.as_bytes())?, None);
        for path in paths.iter().filter(|p| **p != victim) {
            assert_eq!(
                n.lookup(path.as_bytes())?.map(|v| v.0),
                Some(entry_for(path.as_bytes()))
            );
        }
    }
    Ok(())
}

#[test]
fn has_prefix() -> Result<(), ManifestError> {
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, bool)]);
    let cases: [Case; 2] = [
        (
            &["index.html", "img/1.png", "img/2.png", "robots.txt"],
            &[("img/", true), ("images/", false)],
        ),
        (
            &["some-path/file.ext"],
            &[
                ("some-path/", true),
                ("some-path/file", true),
                ("some-other-path/", false),
            ],
        ),
    ];
    for (paths, checks) in cases {
        let mut n = Node::new();
        for path in paths {
            n.add(path.as_bytes(), entry_for(path.as_bytes()), BTreeMap::new())?;
        }
        for (prefix, want) in checks {
            assert_eq!(n.has_prefix(prefix.as_bytes())?, *want, "{prefix}");
        }
    }
    Ok(())
}
