//! The content type Bee records for a file in a collection: Go's
//! `mime.TypeByExtension(filepath.Ext(name))` as a Bee binary on a Debian-based system
//! answers it. That is Go's built-in table, then the system's shared-mime-info globs for
//! extensions Go does not know, with `; charset=utf-8` added to every `text/*` type. The
//! system part here is the common web subset; an unknown extension gives the empty string,
//! as in Go. The type is part of the entry's metadata and so of the collection's reference.

/// Go's built-in table (`mime/type.go`, `builtinTypesLower`).
const GO_BUILTIN: &[(&str, &str)] = &[
    (".avif", "image/avif"),
    (".css", "text/css; charset=utf-8"),
    (".gif", "image/gif"),
    (".htm", "text/html; charset=utf-8"),
    (".html", "text/html; charset=utf-8"),
    (".jpeg", "image/jpeg"),
    (".jpg", "image/jpeg"),
    (".js", "text/javascript; charset=utf-8"),
    (".json", "application/json"),
    (".mjs", "text/javascript; charset=utf-8"),
    (".pdf", "application/pdf"),
    (".png", "image/png"),
    (".svg", "image/svg+xml"),
    (".wasm", "application/wasm"),
    (".webp", "image/webp"),
    (".xml", "text/xml; charset=utf-8"),
];

/// Types from the system's shared-mime-info globs for common web files Go does not know.
const SYSTEM_GLOBS: &[(&str, &str)] = &[
    (".bmp", "image/bmp"),
    (".csv", "text/csv; charset=utf-8"),
    (".gz", "application/gzip"),
    (".ico", "image/vnd.microsoft.icon"),
    (".md", "text/markdown; charset=utf-8"),
    (".mp3", "audio/mpeg"),
    (".mp4", "video/mp4"),
    (".otf", "font/otf"),
    (".tif", "image/tiff"),
    (".tiff", "image/tiff"),
    (".ttf", "font/ttf"),
    (".txt", "text/plain; charset=utf-8"),
    (".webm", "video/webm"),
    (".woff", "font/woff"),
    (".woff2", "font/woff2"),
    (".zip", "application/zip"),
];

/// Go's `filepath.Ext`: the suffix from the last `.` of the last path element, or "".
pub fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rfind('.') {
        Some(dot) => &name[dot..],
        None => "",
    }
}

/// The content type Bee gives a collection file named `path` ("" when unknown).
pub fn content_type_for(path: &str) -> &'static str {
    let ext = extension(path);
    let lookup = |ext: &str| {
        GO_BUILTIN
            .iter()
            .chain(SYSTEM_GLOBS)
            .find(|(e, _)| *e == ext)
            .map(|(_, t)| *t)
    };
    lookup(ext)
        .or_else(|| lookup(&ext.to_ascii_lowercase()))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_extension() {
        assert_eq!(content_type_for("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type_for("img/1.PNG"), "image/png");
        assert_eq!(content_type_for("robots.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type_for("file1"), "");
        assert_eq!(content_type_for("dir.d/file"), "");
        assert_eq!(content_type_for("a/b.tar.gz"), "application/gzip");
        assert_eq!(extension("a/.hidden"), ".hidden");
    }
}
