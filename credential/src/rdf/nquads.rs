//! N-Quads serialization exactly as rdf-canonize 1.2.0 (DIVOC's stack)
//! writes it, and JavaScript's string order.

use std::cmp::Ordering;
use std::fmt::Write as _;

use super::{Quad, RDF_LANGSTRING, Term, XSD_STRING};

/// Appends `s` escaped as rdf-canonize 1.2.0 escapes literals: only `"`,
/// `\`, line feed and carriage return. RDFC-1.0 would also escape other
/// control characters (`\t`, `\b`, `\f`, `\u0001` ...); DIVOC's signatures
/// cover the raw characters, so doing that here would break verification of
/// genuine certificates.
fn push_escaped(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(['"', '\\', '\n', '\r']) {
        let (plain, tail) = rest.split_at(i);
        out.push_str(plain);
        let mut chars = tail.chars();
        match chars.next() {
            Some('"') => out.push_str("\\\""),
            Some('\\') => out.push_str("\\\\"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            // `find` matched one of the four characters above.
            _ => {}
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
}

/// How blank nodes are written: the caller maps the processor's numbers to
/// labels (`_:a`/`_:z` while hashing, `_:c14nN` in the output).
pub(crate) fn push_term(out: &mut String, term: &Term<'_>, blank: &dyn Fn(&mut String, u32)) {
    match term {
        Term::Iri(iri) => {
            // rdf-canonize writes IRIs verbatim, without escaping.
            out.push('<');
            out.push_str(iri);
            out.push('>');
        }
        Term::Blank(b) => blank(out, *b),
        Term::Literal {
            value,
            datatype,
            language,
        } => {
            out.push('"');
            push_escaped(out, value);
            out.push('"');
            if &**datatype == RDF_LANGSTRING {
                if let Some(lang) = language.as_deref().filter(|l| !l.is_empty()) {
                    out.push('@');
                    out.push_str(lang);
                }
            } else if &**datatype != XSD_STRING {
                out.push_str("^^<");
                out.push_str(datatype);
                out.push('>');
            }
        }
    }
}

/// Appends one N-Quads line, ending in `" .\n"`.
pub(crate) fn push_quad(out: &mut String, quad: &Quad<'_>, blank: &dyn Fn(&mut String, u32)) {
    push_term(out, &quad.subject, blank);
    out.push_str(" <");
    out.push_str(&quad.predicate);
    out.push_str("> ");
    push_term(out, &quad.object, blank);
    if let Some(graph) = &quad.graph {
        out.push(' ');
        push_term(out, graph, blank);
    }
    out.push_str(" .\n");
}

/// Writes a canonical label `_:c14nN`.
pub(crate) fn push_canonical_label(out: &mut String, n: u32) {
    // Writing into a String cannot fail.
    let _ = write!(out, "_:c14n{n}");
}

/// Compares strings as JavaScript does (`Array.prototype.sort`, `<`): by
/// UTF-16 code units. This differs from Rust's byte order only when a
/// character above U+FFFF meets one in U+E000..=U+FFFF at the first
/// difference, but DIVOC sorts N-Quads this way, so we do too.
pub(crate) fn cmp_utf16(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let Some(first_diff) = first_mismatch(ab, bb) else {
        return ab.len().cmp(&bb.len());
    };
    // Back up to the start of the character that differs; both strings
    // share the bytes before it, so the boundary is the same in both.
    let mut start = first_diff;
    while start > 0 && !a.is_char_boundary(start) {
        start -= 1;
    }
    let ca = a.get(start..).and_then(|s| s.chars().next());
    let cb = b.get(start..).and_then(|s| s.chars().next());
    match (ca, cb) {
        (Some(x), Some(y)) => first_utf16_unit(x).cmp(&first_utf16_unit(y)).then_with(|| {
            // Same leading unit: both are astral with the same high
            // surrogate, whose order is the code point order.
            x.cmp(&y)
        }),
        // Unreachable for valid UTF-8 with a difference inside both.
        _ => ab.cmp(bb),
    }
}

/// The first index where `a` and `b` differ, within their common length.
fn first_mismatch(a: &[u8], b: &[u8]) -> Option<usize> {
    // Chunks compare with memcmp; lines share long prefixes (the subject).
    const CHUNK: usize = 16;
    let mut offset = 0;
    for (x, y) in a.chunks(CHUNK).zip(b.chunks(CHUNK)) {
        if x != y {
            return x
                .iter()
                .zip(y)
                .position(|(p, q)| p != q)
                .map(|i| offset + i);
        }
        offset += CHUNK;
    }
    None
}

/// Sorts `spans` of `buf` in JavaScript order. Byte order is the same
/// unless some text has a character from U+E000 up (lead byte 0xEE or
/// more), so the common case is a plain byte sort.
pub(crate) fn sort_spans_js(buf: &str, spans: &mut [(usize, usize)]) {
    let text = |&(start, end): &(usize, usize)| buf.get(start..end).unwrap_or("");
    if buf.bytes().any(|b| b >= 0xEE) {
        spans.sort_unstable_by(|a, b| cmp_utf16(text(a), text(b)));
    } else {
        spans.sort_unstable_by(|a, b| text(a).cmp(text(b)));
    }
}

fn first_utf16_unit(c: char) -> u16 {
    let mut buf = [0u16; 2];
    c.encode_utf16(&mut buf).first().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdf::Text;

    #[test]
    fn escapes_only_what_rdf_canonize_1_2_escapes() {
        let mut out = String::new();
        push_escaped(
            &mut out,
            "a\tb\nc\rd\"e\\f\u{1}g\u{7f}h\u{8}i\u{c}j\u{2028}ké",
        );
        assert_eq!(
            out,
            "a\tb\\nc\\rd\\\"e\\\\f\u{1}g\u{7f}h\u{8}i\u{c}j\u{2028}ké"
        );
    }

    #[test]
    fn serializes_literals() {
        let blank = |out: &mut String, n: u32| push_canonical_label(out, n);
        let mut out = String::new();
        let quad = Quad {
            subject: Term::Blank(3),
            predicate: Text::Borrowed("http://p"),
            object: Term::Literal {
                value: Text::Borrowed("x"),
                datatype: Text::Borrowed(RDF_LANGSTRING),
                language: Some(Text::Borrowed("en-in")),
            },
            graph: Some(Term::Blank(4)),
        };
        push_quad(&mut out, &quad, &blank);
        assert_eq!(out, "_:c14n3 <http://p> \"x\"@en-in _:c14n4 .\n");
        out.clear();
        let quad = Quad {
            subject: Term::Iri(Text::Borrowed("did:x")),
            predicate: Text::Borrowed("http://p"),
            object: Term::Literal {
                value: Text::Borrowed("2"),
                datatype: Text::Borrowed(crate::rdf::XSD_INTEGER),
                language: None,
            },
            graph: None,
        };
        push_quad(&mut out, &quad, &blank);
        assert_eq!(
            out,
            "<did:x> <http://p> \"2\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
        );
    }

    #[test]
    fn utf16_order() {
        assert_eq!(cmp_utf16("a", "b"), Ordering::Less);
        assert_eq!(cmp_utf16("ab", "a"), Ordering::Greater);
        assert_eq!(cmp_utf16("", ""), Ordering::Equal);
        // U+1F600 is D83D DE00 in UTF-16: before U+FF01 in JavaScript,
        // after it in byte order.
        assert_eq!(cmp_utf16("x\u{1F600}", "x\u{FF01}"), Ordering::Less);
        assert_eq!("x\u{1F600}".cmp("x\u{FF01}"), Ordering::Greater);
        assert_eq!(cmp_utf16("é", "z"), Ordering::Greater);
        assert_eq!(cmp_utf16("\u{1F600}", "\u{1F601}"), Ordering::Less);
    }
}
