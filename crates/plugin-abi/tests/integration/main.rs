//! The Rust ABI and `docs/sluice_plugin.h` describe the same layout.

use std::mem::{offset_of, size_of};

use sluice_plugin_abi::*;

const HEADER: &str = include_str!("../../../../docs/sluice_plugin.h");

/// The field names of `struct NAME { ... };` in the header, in order.
fn header_fields(name: &str) -> Vec<String> {
    let start = HEADER
        .find(&format!("struct {name} {{"))
        .unwrap_or_else(|| panic!("struct {name} is missing from the header"));
    let body = &HEADER[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("};").unwrap()];
    // Join continuation lines, then split declarations on ';'.
    body.split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|decl| {
            let decl = decl.split("*/").last().unwrap().trim();
            if let Some(open) = decl.find("(*") {
                // A function pointer: `ret (*name)(args)`.
                let rest = &decl[open + 2..];
                rest[..rest.find(')').unwrap()].to_string()
            } else {
                decl.rsplit(|c: char| c.is_whitespace() || c == '*')
                    .next()
                    .unwrap()
                    .to_string()
            }
        })
        .collect()
}

fn header_define(name: &str) -> i64 {
    let needle = format!("#define {name} ");
    let line = HEADER
        .lines()
        .find(|l| l.starts_with(&needle))
        .unwrap_or_else(|| panic!("#define {name} is missing"));
    line[needle.len()..].trim().parse().unwrap()
}

macro_rules! layout {
    ($ty:ident { $($field:ident @ $off:expr),* $(,)? } size $size:expr) => {{
        assert_eq!(size_of::<$ty>(), $size, "size of {}", stringify!($ty));
        $(assert_eq!(offset_of!($ty, $field), $off, "offset of {}.{}", stringify!($ty), stringify!($field));)*
        let rust: Vec<&str> = vec![$(stringify!($field)),*];
        assert_eq!(header_fields(stringify!($ty)), rust, "fields of {}", stringify!($ty));
    }};
}

#[cfg(target_pointer_width = "64")]
#[test]
fn layouts_match_the_header_and_are_pinned() {
    layout!(SluiceError { struct_size @ 0, message @ 8, release @ 16, private_data @ 24 } size 32);
    layout!(SluiceHost { struct_size @ 0, abi_version @ 8, host_version @ 16 } size 24);
    layout!(SluiceInput {
        struct_size @ 0, ctx @ 8, location @ 16, read @ 24, read_at @ 32, size @ 40, release @ 48,
        rewind @ 56,
    } size 64);
    layout!(SluiceFormat {
        struct_size @ 0, name @ 8, extensions @ 16, access @ 24, priority @ 28, sniff @ 32,
        validate_options @ 40, open @ 48, private_data @ 56,
    } size 64);
    layout!(SluiceCodec {
        struct_size @ 0, name @ 8, extensions @ 16, magics @ 24, magic_lengths @ 32,
        num_magics @ 40, priority @ 48, decompress @ 56, private_data @ 64,
    } size 72);
    layout!(SluiceSource {
        struct_size @ 0, name @ 8, schemes @ 16, priority @ 24, head @ 32, list @ 40,
        open @ 48, private_data @ 56,
    } size 64);
    layout!(SluiceDescriptor {
        struct_size @ 0, abi_version @ 8, name @ 16, version @ 24, num_formats @ 32, formats @ 40,
        num_codecs @ 48, codecs @ 56, num_sources @ 64, sources @ 72,
    } size 80);
    assert_eq!(size_of::<FFI_ArrowArrayStream>(), 40);
    assert_eq!(SLUICE_FORMAT_SIZE_V1, 64);
    // The first layout of the descriptor (formats only) stays loadable.
    assert_eq!(SLUICE_DESCRIPTOR_SIZE_V1, 48);
    assert_eq!(SLUICE_DESCRIPTOR_SIZE_CODECS_SOURCES, 80);
    assert_eq!(SLUICE_CODEC_SIZE_V1, 72);
    assert_eq!(SLUICE_SOURCE_SIZE_V1, 64);
}

#[test]
fn constants_match_the_header() {
    let pairs: &[(&str, i64)] = &[
        (
            "SLUICE_PLUGIN_ABI_VERSION",
            SLUICE_PLUGIN_ABI_VERSION.into(),
        ),
        (
            "SLUICE_PLUGIN_ABI_MIN_VERSION",
            SLUICE_PLUGIN_ABI_MIN_VERSION.into(),
        ),
        ("SLUICE_STATUS_OK", SLUICE_STATUS_OK.into()),
        (
            "SLUICE_STATUS_UNSUPPORTED_VERSION",
            SLUICE_STATUS_UNSUPPORTED_VERSION.into(),
        ),
        (
            "SLUICE_STATUS_INVALID_ARGUMENT",
            SLUICE_STATUS_INVALID_ARGUMENT.into(),
        ),
        ("SLUICE_STATUS_IO", SLUICE_STATUS_IO.into()),
        ("SLUICE_STATUS_PARSE", SLUICE_STATUS_PARSE.into()),
        (
            "SLUICE_STATUS_UNSUPPORTED",
            SLUICE_STATUS_UNSUPPORTED.into(),
        ),
        ("SLUICE_STATUS_NOT_FOUND", SLUICE_STATUS_NOT_FOUND.into()),
        ("SLUICE_STATUS_PANIC", SLUICE_STATUS_PANIC.into()),
        ("SLUICE_STATUS_POISONED", SLUICE_STATUS_POISONED.into()),
        ("SLUICE_STATUS_INTERNAL", SLUICE_STATUS_INTERNAL.into()),
        ("SLUICE_SNIFF_NO", SLUICE_SNIFF_NO.into()),
        ("SLUICE_SNIFF_MAYBE", SLUICE_SNIFF_MAYBE.into()),
        ("SLUICE_SNIFF_YES", SLUICE_SNIFF_YES.into()),
        ("SLUICE_ACCESS_SEQUENTIAL", SLUICE_ACCESS_SEQUENTIAL.into()),
        ("SLUICE_ACCESS_RANDOM", SLUICE_ACCESS_RANDOM.into()),
    ];
    for (name, value) in pairs {
        assert_eq!(header_define(name), *value, "{name}");
    }
    assert!(HEADER.contains(&format!(
        "#define SLUICE_PLUGIN_INIT_SYMBOL {:?}",
        SLUICE_PLUGIN_INIT_SYMBOL.to_str().unwrap()
    )));
}
