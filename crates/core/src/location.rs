//! Locations: what the user names (a path, a URL, `-`) split into scheme and path.

use std::fmt;

/// The scheme given to standard input (`-`).
pub const STDIN_SCHEME: &str = "stdin";

/// A parsed location: a scheme that selects the [`SourceReader`](crate::SourceReader),
/// and a path inside it.
///
/// `Location::parse("data/a.csv")` is the local path `data/a.csv` (scheme `file`);
/// `file:///tmp/a.csv` is the local path `/tmp/a.csv` shown as the URL;
/// `s3://bucket/key.csv` has scheme `s3`, prefix `s3://bucket/` and path `key.csv`;
/// `-` is standard input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    scheme: String,
    prefix: String,
    path: String,
}

impl Location {
    /// Parses a user-supplied location.
    pub fn parse(s: &str) -> Location {
        if s == "-" {
            return Location {
                scheme: STDIN_SCHEME.to_string(),
                prefix: String::new(),
                path: "<stdin>".to_string(),
            };
        }
        if let Some((scheme, rest)) = s.split_once("://") {
            let valid_scheme = !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            if valid_scheme {
                let scheme = scheme.to_ascii_lowercase();
                if scheme == "file" {
                    // file:///abs/path -> /abs/path ; file://localhost/abs -> /abs
                    let path = rest.strip_prefix("localhost").unwrap_or(rest);
                    return Location {
                        scheme,
                        prefix: "file://".to_string(),
                        path: percent_decode(path),
                    };
                }
                // scheme://authority/path: the authority stays in the prefix.
                let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
                return Location {
                    prefix: format!("{scheme}://{authority}/"),
                    scheme,
                    path: path.to_string(),
                };
            }
        }
        Location {
            scheme: "file".to_string(),
            prefix: String::new(),
            path: s.to_string(),
        }
    }

    /// Builds a location from its parts; `prefix` + `path` is its display form.
    pub fn from_parts(
        scheme: impl Into<String>,
        prefix: impl Into<String>,
        path: impl Into<String>,
    ) -> Location {
        Location {
            scheme: scheme.into(),
            prefix: prefix.into(),
            path: path.into(),
        }
    }

    /// The scheme (`file`, `s3`, `stdin`, ...).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The display prefix before the path (`""`, `file://`, `s3://bucket/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The path inside the scheme: a file-system path for `file`, an object key for
    /// object stores.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A sibling location with another path, same scheme and prefix.
    pub fn with_path(&self, path: impl Into<String>) -> Location {
        Location {
            scheme: self.scheme.clone(),
            prefix: self.prefix.clone(),
            path: path.into(),
        }
    }

    /// Whether this is standard input.
    pub fn is_stdin(&self) -> bool {
        self.scheme == STDIN_SCHEME
    }

    /// The last path component with any query string or fragment removed, which is what
    /// extensions are read from.
    pub fn file_name(&self) -> &str {
        let path = if self.scheme == "file" {
            self.path.as_str()
        } else {
            let end = self.path.find(['?', '#']).unwrap_or(self.path.len());
            &self.path[..end]
        };
        let path = path.trim_end_matches('/');
        path.rsplit('/').next().unwrap_or(path)
    }

    /// Whether the path holds glob metacharacters (`*`, `?`, `[`, `{`).
    pub fn is_glob(&self) -> bool {
        if self.is_stdin() {
            return false;
        }
        let path = if self.scheme == "file" {
            self.path.as_str()
        } else {
            // `?` starts a query string in URLs.
            self.path.split(['?', '#']).next().unwrap_or("")
        };
        path.contains(['*', '?', '[', '{'])
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.prefix, self.path)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_paths_urls_and_stdin() {
        let l = Location::parse("data/a.csv");
        assert_eq!(
            (l.scheme(), l.path(), l.to_string().as_str()),
            ("file", "data/a.csv", "data/a.csv")
        );
        let l = Location::parse("file:///tmp/a%20b.csv");
        assert_eq!((l.scheme(), l.path()), ("file", "/tmp/a b.csv"));
        assert_eq!(l.to_string(), "file:///tmp/a b.csv");
        let l = Location::parse("s3://bucket/dir/x.jsonl.zst?versionId=3");
        assert_eq!(
            (l.scheme(), l.prefix(), l.path()),
            ("s3", "s3://bucket/", "dir/x.jsonl.zst?versionId=3")
        );
        assert_eq!(l.file_name(), "x.jsonl.zst");
        assert!(Location::parse("-").is_stdin());
        assert_eq!(Location::parse("C:x").scheme(), "file");
    }

    #[test]
    fn detects_globs() {
        assert!(Location::parse("data/*.csv").is_glob());
        assert!(Location::parse("data/{a,b}.csv").is_glob());
        assert!(!Location::parse("data/a.csv").is_glob());
        assert!(!Location::parse("https://h/a.csv?x=1").is_glob());
    }
}
