//! Turning a location (a file, a directory, a glob, `-`) into a sorted list of objects.

use std::io::Read;

use globset::GlobBuilder;
use serde_json::Value;

use crate::{Error, Location, ObjectMeta, Position, Registry, Result, SourceOptions, SourceReader};

/// The file that marks a HuggingFace `save_to_disk` folder and lists its shards in order.
const HF_STATE: &str = "state.json";
/// The file that marks a saved HuggingFace `DatasetDict`: one such folder per split.
const HF_DICT: &str = "dataset_dict.json";

/// Whether a path component is hidden: it starts with `.` or `_` (`.crc`, `_SUCCESS`).
fn is_hidden(component: &str) -> bool {
    component.starts_with('.') || component.starts_with('_')
}

/// Whether any component of `rel` (a path relative to a listing root) is hidden.
fn has_hidden_component(rel: &str) -> bool {
    rel.split('/')
        .any(|c| !c.is_empty() && c != "." && c != ".." && is_hidden(c))
}

/// Splits a glob path into the literal directory before the first metacharacter and the
/// rest: `data/2024-*/x.csv` -> (`data`, ...). An empty base means the current directory or
/// the root of the bucket.
fn glob_base(path: &str) -> &str {
    let first_meta = path.find(['*', '?', '[', '{']).unwrap_or(path.len());
    match path[..first_meta].rfind('/') {
        Some(0) => "/",
        Some(slash) => &path[..slash],
        None => "",
    }
}

fn relative_to<'a>(path: &'a str, base: &str) -> &'a str {
    if base.is_empty() {
        return path.trim_start_matches("./");
    }
    path.strip_prefix(base)
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(path)
}

impl Registry {
    /// Expands one location into the objects it names, sorted byte-wise by their full
    /// location (the order `LC_ALL=C sort` gives). Directories and globs skip hidden
    /// entries; directories keep only files with a registered format extension. A
    /// directory with a `state.json` listing `_data_files` (a HuggingFace `save_to_disk`
    /// folder) is exactly those shards, in that order. A location that names nothing is
    /// [`Error::NotFound`].
    pub fn expand(&self, raw: &str, options: &SourceOptions) -> Result<Vec<ObjectMeta>> {
        let location = Location::parse(raw);
        if location.is_stdin() {
            return Ok(vec![ObjectMeta {
                location,
                size: None,
            }]);
        }
        let backend = self.source(location.scheme())?;
        let mut found = if location.is_glob() {
            let pattern = location.path();
            let matcher = GlobBuilder::new(pattern)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| Error::invalid_option(format!("invalid glob {raw:?}: {e}")))?
                .compile_matcher();
            let base = glob_base(pattern);
            let listed = backend.list(&location.with_path(base), options)?;
            let found: Vec<ObjectMeta> = listed
                .into_iter()
                .filter(|m| {
                    let path = m.location.path();
                    let path = if base.is_empty() {
                        path.trim_start_matches("./")
                    } else {
                        path
                    };
                    matcher.is_match(path) && !has_hidden_component(relative_to(path, base))
                })
                .collect();
            if found.is_empty() {
                return Err(Error::NotFound {
                    location: raw.to_string(),
                    detail: Some("the pattern matched no file".to_string()),
                });
            }
            found
        } else if let Some(meta) = backend.head(&location, options)? {
            vec![meta]
        } else {
            let base = location.path().trim_end_matches('/').to_string();
            let listed = backend.list(&location, options)?;
            if listed.is_empty() {
                return Err(Error::NotFound {
                    location: raw.to_string(),
                    detail: Some("no such file or directory".to_string()),
                });
            }
            if let Some(shards) =
                saved_dataset_shards(raw, backend.as_ref(), &base, &listed, options)?
            {
                return Ok(shards);
            }
            let found: Vec<ObjectMeta> = listed
                .into_iter()
                .filter(|m| {
                    !has_hidden_component(relative_to(m.location.path(), &base))
                        && self.is_supported_name(m.location.file_name())
                })
                .collect();
            if found.is_empty() {
                return Err(Error::NotFound {
                    location: raw.to_string(),
                    detail: Some(format!(
                        "the directory holds no file of a supported format ({})",
                        self.decoder_names().join(", ")
                    )),
                });
            }
            found
        };
        // String order is byte order; format each location once, not per comparison.
        found.sort_by_cached_key(|m| m.location.to_string());
        Ok(found)
    }
}

/// The shards of a HuggingFace `save_to_disk` folder, in the order its `state.json` lists
/// them (`"_data_files": [{"filename": ...}, ...]`), when `listed` (the listing of the
/// directory `base`) has a `state.json` directly in it with that key; for a saved
/// `DatasetDict` (`dataset_dict.json` with `"splits"`), the shards of each split folder in
/// the listed order. `None` otherwise. A listed shard or split that is missing is
/// [`Error::NotFound`] naming the folder.
fn saved_dataset_shards(
    raw: &str,
    backend: &dyn SourceReader,
    base: &str,
    listed: &[ObjectMeta],
    options: &SourceOptions,
) -> Result<Option<Vec<ObjectMeta>>> {
    let Some((dict, json)) = read_listed_json(backend, base, HF_DICT, listed, options)? else {
        return dataset_shards(raw, backend, base, listed, options);
    };
    let Some(splits) = json.get("splits").and_then(Value::as_array) else {
        return dataset_shards(raw, backend, base, listed, options);
    };
    let mut shards = Vec::new();
    for split in splits {
        let name = split.as_str().ok_or_else(|| {
            Error::parse(
                "JSON",
                dict.clone(),
                Position::NONE,
                format!("a split name is not a string: {split}"),
            )
        })?;
        let split_base = if base.is_empty() {
            name.to_string()
        } else {
            format!("{base}/{name}")
        };
        let found =
            dataset_shards(raw, backend, &split_base, listed, options)?.ok_or_else(|| {
                Error::NotFound {
                    location: raw.to_string(),
                    detail: Some(format!(
                        "the dataset's {HF_DICT} lists the split {name:?}, which has no {HF_STATE}"
                    )),
                }
            })?;
        shards.extend(found);
    }
    Ok(Some(shards))
}

/// The location and parsed content of the file `name` directly in `base`, if listed.
fn read_listed_json(
    backend: &dyn SourceReader,
    base: &str,
    name: &str,
    listed: &[ObjectMeta],
    options: &SourceOptions,
) -> Result<Option<(String, Value)>> {
    let Some(meta) = listed
        .iter()
        .find(|m| relative_to(m.location.path(), base) == name)
    else {
        return Ok(None);
    };
    let location = meta.location.to_string();
    let mut text = Vec::new();
    backend
        .open(&meta.location, options)?
        .reader()?
        .read_to_end(&mut text)
        .map_err(|e| Error::from_io(location.clone(), e))?;
    let json: Value = serde_json::from_slice(&text).map_err(|e| {
        Error::parse(
            "JSON",
            location.clone(),
            Position::line(e.line() as u64),
            e.to_string(),
        )
    })?;
    Ok(Some((location, json)))
}

/// The shards listed by `state.json` directly in `base`, in order (see
/// [`saved_dataset_shards`]).
fn dataset_shards(
    raw: &str,
    backend: &dyn SourceReader,
    base: &str,
    listed: &[ObjectMeta],
    options: &SourceOptions,
) -> Result<Option<Vec<ObjectMeta>>> {
    let Some((state_location, json)) = read_listed_json(backend, base, HF_STATE, listed, options)?
    else {
        return Ok(None);
    };
    let Some(files) = json.get("_data_files").and_then(Value::as_array) else {
        return Ok(None);
    };
    let mut shards = Vec::with_capacity(files.len());
    for entry in files {
        let name = entry
            .get("filename")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::parse(
                    "JSON",
                    state_location.clone(),
                    Position::NONE,
                    format!("an entry of \"_data_files\" has no \"filename\" string: {entry}"),
                )
            })?;
        let shard = listed
            .iter()
            .find(|m| relative_to(m.location.path(), base) == name)
            .ok_or_else(|| Error::NotFound {
                location: raw.to_string(),
                detail: Some(format!(
                    "the dataset folder's {HF_STATE} lists the shard {name:?}, which is not in it"
                )),
            })?;
        shards.push(shard.clone());
    }
    Ok(Some(shards))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_base_is_the_literal_directory() {
        assert_eq!(glob_base("data/2024-*/x.csv"), "data");
        assert_eq!(glob_base("*.csv"), "");
        assert_eq!(glob_base("/tmp/*.csv"), "/tmp");
        assert_eq!(glob_base("/*.csv"), "/");
        assert_eq!(glob_base("a/b/{x,y}.csv"), "a/b");
    }

    #[test]
    fn hidden_components() {
        assert!(has_hidden_component("_SUCCESS"));
        assert!(has_hidden_component("a/.crc/x.csv"));
        assert!(!has_hidden_component("a/b.csv"));
        assert!(!has_hidden_component("../a/b.csv"));
    }
}
