//! References of `POST /bzz` uploads as Bee computes them (expected values from Bee's
//! `pkg/api/bzz_test.go`): a tar collection and single files with name and content type.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use comb_filetree::split_bytes;
use comb_manifest::website::{self, file_metadata};
use comb_manifest::{Collection, Node};
use comb_primitives::{Chunk, B256};

type Store = HashMap<B256, Chunk>;

fn file(store: &mut Store, data: &[u8]) -> B256 {
    split_bytes(data, store).unwrap()
}

fn single(data: &[u8], name: &str, content_type: &str) -> String {
    let mut store = Store::new();
    let reference = file(&mut store, data);
    let mut root = website::single_file(reference, name, content_type).unwrap();
    hex::encode(root.save(&mut store).unwrap())
}

fn collection(files: &[(&str, &[u8])], index: Option<&str>, error: Option<&str>) -> String {
    let mut store = Store::new();
    let mut collection = Collection::new();
    for (path, data) in files {
        let reference = file(&mut store, data);
        collection.add_file(path, reference).unwrap();
    }
    let mut root = collection.finish(index, error).unwrap();
    hex::encode(root.save(&mut store).unwrap())
}

/// Expected reference, files (path, data), index document, error document.
type Case<'a> = (
    &'a str,
    &'a [(&'a str, &'a [u8])],
    Option<&'a str>,
    Option<&'a str>,
);

/// Bee's `TestDirs` tar cases (`pkg/api/dirs_test.go`).
#[test]
fn collection_references() {
    let swarm = &b"<h1>Swarm"[..];
    let cases: [Case; 7] = [
        (
            "f3312af64715d26b5e1a3dc90f012d2c9cc74a167899dab1d07cdee8c107f939",
            &[
                ("file1", b"first file data"),
                ("file2", b"second file data"),
            ],
            None,
            None,
        ),
        (
            "4c9c76d63856102e54092c38a7cd227d769752d768b7adc8c3542e3dd9fcf295",
            &[
                ("robots.txt", b"robots text"),
                ("img/1.png", b"image 1"),
                ("img/2.png", b"image 2"),
            ],
            None,
            None,
        ),
        (
            "9e178dbd1ed4b748379e25144e28dfb29c07a4b5114896ef454480115a56b237",
            &[("index.html", swarm)],
            None,
            None,
        ),
        (
            "a58484e3d77bbdb40323ddc9020c6e96e5eb5deb52015d3e0f63cce629ac1aa6",
            &[("index.html", swarm)],
            Some("index.html"),
            None,
        ),
        (
            "3e2f008a578c435efa7a1fce146e21c4ae8c20b80fbb4c4e0c1c87ca08fef414",
            &[("dir/index.html", swarm)],
            Some("index.html"),
            None,
        ),
        (
            "2cd9a6ac11eefbb71b372fb97c3ef64109c409955964a294fdc183c1014b3844",
            &[("index.html", swarm), ("error.html", b"<h2>404")],
            Some("index.html"),
            Some("error.html"),
        ),
        (
            "133c92414c047708f3d6a8561571a0cc96512899ff0edbd9690c857f01ab6883",
            &[
                ("./index.html", swarm),
                ("./app.css", b"body {}"),
                ("./robots.txt", b"User-agent: *\n\t\tDisallow: /"),
            ],
            None,
            None,
        ),
    ];
    for (want, files, index, error) in cases {
        assert_eq!(collection(files, index, error), want, "{files:?}");
    }
}

#[test]
fn collection_read_back() {
    let mut store = Store::new();
    let mut collection = Collection::new();
    for (path, data) in [
        ("robots.txt", &b"robots text"[..]),
        ("img/1.png", b"image 1"),
        ("img/2.png", b"image 2"),
    ] {
        let reference = file(&mut store, data);
        collection.add_file(path, reference).unwrap();
    }
    let mut root = collection.finish(None, None).unwrap();
    let reference = root.save(&mut store).unwrap();
    // Read back through the chunks: every path resolves, with its metadata.
    let loaded = Node::load_lazy(&store, reference).unwrap();
    let found = website::resolve(&loaded, &store, "img/2.png")
        .unwrap()
        .unwrap();
    assert_eq!(found.entry, file(&mut store, b"image 2"));
    assert_eq!(found.metadata["Content-Type"], "image/png");
    assert_eq!(found.metadata["Filename"], "2.png");
    assert!(website::resolve(&loaded, &store, "img/3.png")
        .unwrap()
        .is_none());
    assert!(Collection::new()
        .finish(Some("a/index.html"), None)
        .is_err());
}

#[test]
fn single_file_references() {
    let simple = b"this is a simple text";
    assert_eq!(
        single(simple, "my-pictures.jpeg", "image/jpeg; charset=utf-8"),
        "4f9146b3813ccbd7ce45a18be23763d7e436ab7a3982ef39961c6f3cd4da1dcf"
    );
    assert_eq!(
        single(simple, "simple_file.txt", "text/html; charset=utf-8"),
        "65148cd89b58e91616773f5acea433f7b5a6274f2259e25f4893a332b74a7e28"
    );
    let html = "<!DOCTYPE html>\n\t\t<html>\n\t\t<body>\n\n\t\t<h1>My First Heading</h1>\n\n\t\t<p>My first paragraph.</p>\n\n\t\t</body>\n\t\t</html>";
    assert_eq!(
        single(html.as_bytes(), "sample.html", "text/html; charset=utf-8"),
        "36e6c1bbdfee6ac21485d5f970479fd1df458d36df9ef4e8179708ed46da557f"
    );
}

#[test]
fn website_resolution() {
    let mut store = Store::new();
    let mut root = Node::new();
    let index = file(&mut store, b"<h1>home</h1>");
    let sub_index = file(&mut store, b"<h1>docs</h1>");
    let missing = file(&mut store, b"<h1>404</h1>");
    root.add(
        b"index.html",
        index,
        file_metadata("index.html", "text/html"),
    )
    .unwrap();
    root.add(
        b"docs/index.html",
        sub_index,
        file_metadata("index.html", "text/html"),
    )
    .unwrap();
    root.add(b"404.html", missing, file_metadata("404.html", "text/html"))
        .unwrap();
    website::set_website_documents(&mut root, Some("index.html"), Some("404.html")).unwrap();
    let reference = root.save(&mut store).unwrap();
    let loaded = Node::load_lazy(&store, reference).unwrap();
    let at = |path: &str| website::resolve(&loaded, &store, path).unwrap().unwrap();
    assert_eq!(at("").entry, index);
    assert_eq!(at("index.html").entry, index);
    assert_eq!(at("docs").entry, sub_index);
    assert_eq!(at("docs/").entry, sub_index);
    let not_found = at("nothing/here");
    assert_eq!(
        (not_found.entry, not_found.is_error_document),
        (missing, true)
    );
    // Without website documents, the empty path is not found.
    let mut bare = Node::new();
    bare.add(b"a.txt", index, file_metadata("a.txt", "text/plain"))
        .unwrap();
    let bare_ref = bare.save(&mut store).unwrap();
    let bare = Node::load_lazy(&store, bare_ref).unwrap();
    assert!(website::resolve(&bare, &store, "").unwrap().is_none());
}

#[test]
fn feed_manifest_round_trip() {
    let mut store = Store::new();
    let owner = [0x8d; 20];
    let mut root = website::feed_manifest(&owner, &[0xab, 0xcc]).unwrap();
    let reference = root.save(&mut store).unwrap();
    let loaded = Node::load_lazy(&store, reference).unwrap();
    let metadata = website::root_metadata(&loaded, &store).unwrap().unwrap();
    let feed = website::feed_of(&metadata).unwrap();
    assert_eq!(feed.owner, owner);
    assert_eq!(feed.topic, vec![0xab, 0xcc]);
    assert_eq!(metadata["swarm-feed-type"], "Sequence");
}
