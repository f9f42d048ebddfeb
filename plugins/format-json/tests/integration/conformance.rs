//! The core conformance suite, registration and sniffing.

use sluice_core::{Decoder, Probe, Registry, Sniff, conformance};
use sluice_format_json::{JsonDecoder, JsonLinesDecoder};

const SAMPLE_LINES: &[u8] =
    b"{\"id\": 1, \"name\": \"a\", \"tags\": [1, 2], \"o\": {\"x\": 1.5}}\n\
{\"id\": 2, \"name\": null, \"tags\": []}\n\
\n\
{\"id\": 3, \"name\": \"c\\u00e9\", \"o\": {\"x\": 2}}\n";

const SAMPLE_DOC: &[u8] = b"[\n  {\"id\": 1, \"name\": \"a\", \"tags\": [1, 2]},\n  {\"id\": 2,\n   \"name\": null},\n  {\"id\": 3, \"o\": {\"x\": 2.5}}\n]\n";

#[test]
fn jsonl_conformance() {
    conformance::check_decoder(&JsonLinesDecoder, "sample.jsonl", SAMPLE_LINES);
}

#[test]
fn json_conformance() {
    conformance::check_decoder(&JsonDecoder, "sample.json", SAMPLE_DOC);
    conformance::check_decoder(&JsonDecoder, "sample.json", SAMPLE_LINES);
}

#[test]
fn registered_through_inventory() {
    let registry = Registry::from_inventory();
    let mut ours: Vec<(String, i32, Vec<String>)> = registry
        .decoders()
        .iter()
        .filter(|e| e.item.name().starts_with("json"))
        .map(|e| {
            let exts = e.item.extensions().iter().map(|s| s.to_string()).collect();
            (e.item.name().to_string(), e.priority, exts)
        })
        .collect();
    ours.sort();
    assert_eq!(
        ours,
        [
            ("json".to_string(), 21, vec!["json".to_string()]),
            (
                "jsonl".to_string(),
                20,
                vec!["jsonl".to_string(), "ndjson".to_string()]
            ),
        ]
    );
}

fn sniff(decoder: &dyn Decoder, head: &[u8], complete: bool) -> Sniff {
    decoder.sniff(&Probe {
        head,
        complete,
        name: "x",
    })
}

#[test]
fn sniffing() {
    let cases: &[(&[u8], bool, Sniff, Sniff)] = &[
        // (head, complete, jsonl, json)
        (b"{\"a\": 1}\n{\"a\"", false, Sniff::Yes, Sniff::Maybe),
        (
            b"\xEF\xBB\xBF \n{\"a\": [1]}",
            true,
            Sniff::Yes,
            Sniff::Maybe,
        ),
        (b"{\"a\": ", false, Sniff::Maybe, Sniff::Maybe),
        (b"{\n  \"a\": 1\n}\n", true, Sniff::Maybe, Sniff::Yes),
        (b"  [{\"a\": 1}]", true, Sniff::No, Sniff::Yes),
        (b"[", false, Sniff::No, Sniff::Yes),
        (b"a,b\n1,2\n", true, Sniff::No, Sniff::No),
        (b"\"text\"", true, Sniff::No, Sniff::No),
        (b"", true, Sniff::Maybe, Sniff::Maybe),
        (b" \r\n\t", false, Sniff::Maybe, Sniff::Maybe),
    ];
    for (head, complete, want_lines, want_doc) in cases {
        let got = (
            sniff(&JsonLinesDecoder, head, *complete),
            sniff(&JsonDecoder, head, *complete),
        );
        assert_eq!(
            got,
            (*want_lines, *want_doc),
            "{:?}",
            String::from_utf8_lossy(head)
        );
    }
}

#[test]
fn random_json_like_inputs_never_panic() {
    // A fixed pseudo-random walk over JSON's alphabet: every input decodes or fails with an
    // error naming the file, in both decoders, with several batch and sample sizes.
    const ALPHABET: &[u8] = b"{}[]{}[]\"\"\"::,,,  \n\n\\u0019ae.-+Etrufnl\xff\xc3";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..3000 {
        let len = (next() % 48) as usize;
        let mut data: Vec<u8> = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        if round % 2 == 0 {
            data.insert(0, b'{');
        }
        let opts = sluice_core::ScanOptions::new()
            .with_batch_size(1 + round % 3)
            .with_infer_rows(1 + round % 2);
        for (decoder, name) in [
            (&JsonLinesDecoder as &dyn Decoder, "r.jsonl"),
            (&JsonDecoder, "r.json"),
        ] {
            if let Err(e) = crate::decode_with(decoder, name, data.clone(), &opts, None) {
                assert!(e.to_string().contains(name), "{e}");
            }
        }
    }
}
