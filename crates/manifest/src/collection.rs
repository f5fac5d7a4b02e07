//! A collection (a directory uploaded as a tar) laid out as Bee's `storeDir` does: every
//! regular file under its cleaned path with its content type and name, then the website
//! documents on the root path.

use crate::error::ManifestError;
use crate::mime::content_type_for;
use crate::node::Node;
use crate::website::{file_metadata, set_website_documents};
use comb_primitives::B256;

/// Go's `path.Clean` for `/`-separated paths: collapses repeated separators, removes `.`
/// elements and `..` after a real element, drops a trailing separator; "" becomes ".".
pub fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// A collection manifest being built, one file at a time in upload order.
#[derive(Debug, Default)]
pub struct Collection {
    root: Node,
    files: usize,
}

impl Collection {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the file named `raw_path` in the archive (Bee cleans it; a path that cleans to
    /// `.` is skipped, as in Bee) with its data's reference. Returns the path used, if any.
    pub fn add_file(
        &mut self,
        raw_path: &str,
        reference: B256,
    ) -> Result<Option<String>, ManifestError> {
        let path = clean_path(raw_path);
        if path == "." {
            return Ok(None);
        }
        let name = raw_path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(raw_path);
        let metadata = file_metadata(name, content_type_for(raw_path));
        self.root.add(path.as_bytes(), reference, metadata)?;
        self.files = self.files.saturating_add(1);
        Ok(Some(path))
    }

    /// How many files were added.
    pub fn len(&self) -> usize {
        self.files
    }

    /// Whether no file was added.
    pub fn is_empty(&self) -> bool {
        self.files == 0
    }

    /// Records the website documents and hands the trie over for saving. An index document
    /// containing `/` is refused, as in Bee.
    pub fn finish(
        mut self,
        index: Option<&str>,
        error: Option<&str>,
    ) -> Result<Node, ManifestError> {
        if let Some(index) = index.filter(|i| i.contains('/')) {
            return Err(ManifestError::InvalidIndexDocument(index.to_string()));
        }
        set_website_documents(&mut self.root, index, error)?;
        Ok(self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::clean_path;

    #[test]
    fn go_clean() {
        for (input, want) in [
            ("./index.html", "index.html"),
            ("a//b/./c/", "a/b/c"),
            ("a/../b", "b"),
            ("../x", "../x"),
            ("", "."),
            ("./", "."),
            ("/a/../..", "/"),
        ] {
            assert_eq!(clean_path(input), want, "{input}");
        }
    }
}
