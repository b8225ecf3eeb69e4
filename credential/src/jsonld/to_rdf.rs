//! Expanded JSON-LD to RDF quads (JSON-LD 1.1 §8.2), with jsonld.js 2's
//! literal forms.
//!
//! JSON numbers follow JavaScript, not the JSON-LD spec's wording: a number
//! is an `xsd:double` exactly when JavaScript's `String(n)` contains a dot
//! (so `1.0` is the integer `1` and `1e21` the "integer" `1e+21`), integers
//! are written with `toFixed(0)` and doubles with `toExponential(15)` minus
//! trailing zeros (`2.5E0`). DIVOC signed what its stack produced.

use std::collections::HashMap;

use super::JsonLdError;
use super::expand::{Item, Node, NodeId, Scalar, ValueObject};
use crate::rdf::{
    Quad, RDF_FIRST, RDF_LANGSTRING, RDF_NIL, RDF_REST, RDF_TYPE, Term, Text, XSD_BOOLEAN,
    XSD_DOUBLE, XSD_INTEGER, XSD_STRING,
};

/// Upper bound on quads in one document. A DIVOC certificate has about 50.
const MAX_QUADS: usize = 10_000;

/// Upper bound on blank nodes in one document. A DIVOC certificate has 6.
const MAX_BLANK_NODES: usize = 1_000;

/// Converts expanded items (the document's top level) to quads, and the
/// number of blank nodes used (numbered from 0).
pub(crate) fn to_quads<'a>(items: &[Item<'a>]) -> Result<(Vec<Quad<'a>>, u32), JsonLdError> {
    let mut emitter = Emitter::default();
    for item in items {
        // Values and lists at the top level are dropped.
        if let Item::Node(node) = item {
            emitter.node(node, &None)?;
        }
    }
    Ok((emitter.quads, emitter.blank_count))
}

#[derive(Default)]
struct Emitter<'a> {
    quads: Vec<Quad<'a>>,
    blank_count: u32,
    /// The document's own blank node identifiers.
    labels: HashMap<Text<'a>, u32>,
}

impl<'a> Emitter<'a> {
    fn fresh(&mut self) -> Result<u32, JsonLdError> {
        if self.blank_count as usize >= MAX_BLANK_NODES {
            return Err(JsonLdError::TooLarge {
                what: "blank nodes",
                limit: MAX_BLANK_NODES,
            });
        }
        self.blank_count += 1;
        Ok(self.blank_count - 1)
    }

    /// An IRI, or the blank node a `_:` identifier names.
    fn resource(&mut self, iri: &Text<'a>) -> Result<Term<'a>, JsonLdError> {
        if !iri.starts_with("_:") {
            return Ok(Term::Iri(iri.clone()));
        }
        if let Some(&b) = self.labels.get(&**iri) {
            return Ok(Term::Blank(b));
        }
        let b = self.fresh()?;
        self.labels.insert(iri.clone(), b);
        Ok(Term::Blank(b))
    }

    fn push(
        &mut self,
        subject: &Term<'a>,
        predicate: Text<'a>,
        object: Term<'a>,
        graph: &Option<Term<'a>>,
    ) -> Result<(), JsonLdError> {
        if self.quads.len() >= MAX_QUADS {
            return Err(JsonLdError::TooLarge {
                what: "quads",
                limit: MAX_QUADS,
            });
        }
        self.quads.push(Quad {
            subject: subject.clone(),
            predicate,
            object,
            graph: graph.clone(),
        });
        Ok(())
    }

    /// Emits a node's quads; returns the node as a term, `None` when its
    /// identifier is relative (jsonld.js drops every triple it is in).
    fn node(
        &mut self,
        node: &Node<'a>,
        graph: &Option<Term<'a>>,
    ) -> Result<Option<Term<'a>>, JsonLdError> {
        let subject = match &node.id {
            None => Some(Term::Blank(self.fresh()?)),
            Some(NodeId::Relative) => None,
            Some(NodeId::Iri(iri)) => Some(self.resource(iri)?),
        };
        for ty in node.types.iter().flatten() {
            let object = self.resource(ty)?;
            if let Some(s) = &subject {
                self.push(s, Text::Borrowed(RDF_TYPE), object, graph)?;
            }
        }
        for (predicate, items) in &node.properties {
            // Blank node predicates are not RDF; their objects are still
            // nodes of the graph.
            let keep = !predicate.starts_with("_:");
            for item in items {
                let object = self.object(item, graph)?;
                if let (true, Some(s), Some(o)) = (keep, &subject, object) {
                    self.push(s, predicate.clone(), o, graph)?;
                }
            }
        }
        if let (Some(items), Some(name)) = (&node.graph, &subject) {
            let name = Some(name.clone());
            for item in items {
                // Values and lists directly in a graph are dropped.
                if let Item::Node(inner) = item {
                    self.node(inner, &name)?;
                }
            }
        }
        Ok(subject)
    }

    fn object(
        &mut self,
        item: &Item<'a>,
        graph: &Option<Term<'a>>,
    ) -> Result<Option<Term<'a>>, JsonLdError> {
        match item {
            Item::Node(node) => self.node(node, graph),
            Item::Value(value) => Ok(Some(literal(value))),
            Item::List(items) => self.list(items, graph).map(Some),
        }
    }

    /// An RDF collection.
    fn list(
        &mut self,
        items: &[Item<'a>],
        graph: &Option<Term<'a>>,
    ) -> Result<Term<'a>, JsonLdError> {
        let Some(last) = items.len().checked_sub(1) else {
            return Ok(Term::Iri(Text::Borrowed(RDF_NIL)));
        };
        let head = Term::Blank(self.fresh()?);
        let mut subject = head.clone();
        for (i, item) in items.iter().enumerate() {
            if let Some(object) = self.object(item, graph)? {
                self.push(&subject, Text::Borrowed(RDF_FIRST), object, graph)?;
            }
            let next = if i == last {
                Term::Iri(Text::Borrowed(RDF_NIL))
            } else {
                Term::Blank(self.fresh()?)
            };
            self.push(&subject, Text::Borrowed(RDF_REST), next.clone(), graph)?;
            subject = next;
        }
        Ok(head)
    }
}

/// A value object as an RDF literal, as jsonld.js 2 `_objectToRDF` writes it.
fn literal<'a>(value: &ValueObject<'a>) -> Term<'a> {
    let is_double_type = value.datatype.as_deref() == Some(XSD_DOUBLE);
    let (lexical, default_type): (Text<'a>, &'static str) = match value.value {
        Scalar::Bool(b) => (
            Text::Borrowed(if b { "true" } else { "false" }),
            XSD_BOOLEAN,
        ),
        Scalar::Num(n) if is_double_type || js_is_double(n) => {
            (Text::Owned(js_canonical_double(n)), XSD_DOUBLE)
        }
        Scalar::Str(s) if is_double_type => (
            Text::Owned(js_canonical_double(js_parse_float(s))),
            XSD_DOUBLE,
        ),
        Scalar::Num(n) => (Text::Owned(js_to_fixed_0(n)), XSD_INTEGER),
        Scalar::Str(s) if value.language.is_some() => (Text::Borrowed(s), RDF_LANGSTRING),
        Scalar::Str(s) => (Text::Borrowed(s), XSD_STRING),
    };
    Term::Literal {
        value: lexical,
        datatype: value
            .datatype
            .clone()
            .unwrap_or(Text::Borrowed(default_type)),
        language: value.language.clone().map(Text::Owned),
    }
}

/// jsonld.js 2's `isDouble`: `String(n)` contains a dot.
fn js_is_double(n: f64) -> bool {
    ryu_js::Buffer::new().format(n).contains('.')
}

/// `n.toFixed(0)` for a number whose `String(n)` has no dot: an integer,
/// one of at least 1e21 (written as `String(n)`), or a tiny one (below
/// 1e-6, rounding to zero). Written here rather than with `ryu-js`'s
/// `format_to_fixed`, whose tables add 30 KB to the wasm module.
fn js_to_fixed_0(n: f64) -> String {
    if n.abs() >= 1e21 || !n.is_finite() {
        return ryu_js::Buffer::new().format(n).to_owned();
    }
    if n.fract() != 0.0 {
        // |n| < 1e-6 here; toFixed keeps the sign of a negative number.
        return if n < 0.0 { "-0" } else { "0" }.to_owned();
    }
    // An integral double below 1e21 < 2^70 converts to i128 exactly.
    (n as i128).to_string()
}

/// `n.toExponential(15).replace(/(\d)0*e\+?/, '$1E')`: jsonld.js 2's
/// canonical `xsd:double` form, e.g. `2.5E0`, `1.0E-1`.
fn js_canonical_double(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let (digits, exponent) = to_exponential_15(n.abs());
    let mut out = String::with_capacity(24);
    if n < 0.0 {
        out.push('-');
    }
    let (first, fraction) = digits.split_at(1);
    out.push_str(first);
    out.push('.');
    // The regex keeps the fraction up to its last non-zero digit, and at
    // least one digit.
    let kept = fraction.trim_end_matches('0');
    out.push_str(if kept.is_empty() { "0" } else { kept });
    out.push('E');
    out.push_str(&exponent.to_string());
    out
}

/// `x.toExponential(15)` for finite `x >= 0`: 16 significant digits and the
/// decimal exponent. ECMAScript rounds ties up (to the larger `n`), which
/// Rust's formatting does not, so we round from the exact expansion.
fn to_exponential_15(x: f64) -> (String, i32) {
    if x == 0.0 {
        return ("0000000000000000".to_owned(), 0);
    }
    let (mut digits, mut exponent) = exact_decimal(x);
    let round_up = digits.get(16).is_some_and(|&d| d >= b'5');
    digits.resize(16, b'0');
    if round_up {
        let mut carry = true;
        for d in digits.iter_mut().rev() {
            if *d == b'9' {
                *d = b'0';
            } else {
                *d += 1;
                carry = false;
                break;
            }
        }
        if carry {
            // 9999999999999999 rounded up: 1000000000000000, one exponent up.
            digits.insert(0, b'1');
            digits.truncate(16);
            exponent += 1;
        }
    }
    (String::from_utf8(digits).unwrap_or_default(), exponent)
}

/// The exact decimal expansion of a finite `x > 0`: its significant digits
/// (ASCII) and the decimal exponent of the first one. A double is
/// `m * 2^e`; this multiplies out `m * 2^e` or `m * 5^-e` in base 10^9.
/// By hand because Rust's exact float formatting (`{:.800e}`) adds its
/// bignum code to the wasm module for a path no real certificate takes.
fn exact_decimal(x: f64) -> (Vec<u8>, i32) {
    const BASE: u64 = 1_000_000_000;
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, e) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    let mut limbs: Vec<u64> = vec![
        mantissa % BASE,
        (mantissa / BASE) % BASE,
        mantissa / (BASE * BASE),
    ];
    let (factor, times) = if e >= 0 { (2, e) } else { (5, -e) };
    for _ in 0..times {
        let mut carry = 0;
        for limb in &mut limbs {
            let v = *limb * factor + carry;
            *limb = v % BASE;
            carry = v / BASE;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut text = String::with_capacity(limbs.len() * 9);
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            text.push_str(&limb.to_string());
        } else {
            text.push_str(&format!("{limb:09}"));
        }
    }
    // x = digits * 10^-(times) when e < 0, digits * 1 when e >= 0.
    let scale = if e >= 0 { 0 } else { -e };
    let exponent = text.len() as i32 - 1 - scale;
    let mut digits = text.into_bytes();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exponent)
}

/// JavaScript's `parseFloat`: the longest prefix (after white space) that
/// is a decimal literal or `Infinity`, else NaN.
fn js_parse_float(s: &str) -> f64 {
    let s = s.trim_start_matches(is_js_white_space);
    let bytes = s.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    if s.get(end..)
        .is_some_and(|rest| rest.starts_with("Infinity"))
    {
        return if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let digits_from = |i: usize| {
        bytes
            .get(i..)
            .map_or(0, |b| b.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let int_digits = digits_from(end);
    end += int_digits;
    let mut frac_digits = 0;
    if bytes.get(end) == Some(&b'.') {
        frac_digits = digits_from(end + 1);
        if int_digits + frac_digits > 0 {
            end += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return f64::NAN;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut exp_end = end + 1;
        if matches!(bytes.get(exp_end), Some(b'+' | b'-')) {
            exp_end += 1;
        }
        let exp_digits = digits_from(exp_end);
        if exp_digits > 0 {
            end = exp_end + exp_digits;
        }
    }
    s.get(..end)
        .and_then(|p| p.parse().ok())
        .unwrap_or(f64::NAN)
}

/// ECMAScript's WhiteSpace and LineTerminator characters.
fn is_js_white_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_jsonld_js_2_writes_them() {
        assert!(!js_is_double(1.0));
        assert!(js_is_double(2.5));
        assert!(!js_is_double(1e21));
        assert!(js_is_double(1.5e21));
        assert!(!js_is_double(5e-7));
        assert_eq!(js_to_fixed_0(2.0), "2");
        assert_eq!(js_to_fixed_0(-0.0), "0");
        assert_eq!(js_to_fixed_0(-5.0), "-5");
        assert_eq!(js_to_fixed_0(1e21), "1e+21");
        assert_eq!(
            js_to_fixed_0(12345678901234567890.0),
            "12345678901234567168"
        );
        assert_eq!(js_canonical_double(2.5), "2.5E0");
        assert_eq!(js_canonical_double(0.1), "1.0E-1");
        assert_eq!(js_canonical_double(5.0), "5.0E0");
        assert_eq!(js_canonical_double(-1.25e-7), "-1.25E-7");
        assert_eq!(js_canonical_double(1.5e21), "1.5E21");
        assert_eq!(js_canonical_double(0.0), "0.0E0");
        assert_eq!(js_canonical_double(f64::NAN), "NaN");
        assert_eq!(js_canonical_double(f64::NEG_INFINITY), "-Infinity");
        // 16 significant digits, rounded.
        assert_eq!(js_canonical_double(1.0 / 3.0), "3.333333333333333E-1");
        // Checked against node: (2/3).toExponential(15).
        assert_eq!(js_canonical_double(2.0 / 3.0), "6.666666666666666E-1");
        // An exact tie at the 17th digit rounds up in ECMAScript.
        assert_eq!(
            js_canonical_double(10000000.001953125),
            "1.000000000195313E7"
        );
        assert_eq!(js_canonical_double(0.99999999999999999), "1.0E0");
        assert_eq!(js_canonical_double(f64::MAX), "1.797693134862316E308");
        assert_eq!(js_canonical_double(5e-324), "4.940656458412465E-324");
        assert_eq!(js_canonical_double(123456789.0), "1.23456789E8");
        assert_eq!(js_canonical_double(0.3), "3.0E-1");
    }

    #[test]
    fn parse_float_takes_the_longest_prefix() {
        assert_eq!(js_parse_float("1.5abc"), 1.5);
        assert_eq!(js_parse_float("  -2e3x"), -2000.0);
        assert_eq!(js_parse_float(".5"), 0.5);
        assert_eq!(js_parse_float("5."), 5.0);
        assert_eq!(js_parse_float("1e"), 1.0);
        assert_eq!(js_parse_float("-Infinityx"), f64::NEG_INFINITY);
        assert!(js_parse_float("abc").is_nan());
        assert!(js_parse_float(".").is_nan());
        assert!(js_parse_float("inf").is_nan());
    }
}
