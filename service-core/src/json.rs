//! JSON numbers as the API documents promise them.
//!
//! The OpenAPI 3.1 documents are JSON Schema 2020-12, where `integer` is
//! any number with a zero fractional part: `2.0` and `2e0` are integers
//! there (Python's `json.dumps(2.0)` sends the first). serde reads them as
//! floats and refuses them where an integer is expected, so a request the
//! schema allows would be refused. [`integral_numbers`] rewrites such
//! numbers as plain integers before the body is read; nothing else in the
//! text changes, and a number is only rewritten when its exact decimal
//! value is a whole number (`1.0000000000000000001` is not).

use std::borrow::Cow;

/// Longest integer a rewrite produces (digits): beyond `u64` and `i64` a
/// rewrite would not help, and `1e1000000` must not become a megabyte.
const MAX_DIGITS: usize = 20;

/// `text` with every number written with a fraction or an exponent whose
/// value is whole (`131.0`, `1.5e1`, `-2E0`) rewritten as that integer
/// (`131`, `15`, `-2`). Strings are left alone; text that is not JSON is
/// returned as it is (the parser after this refuses it). Borrowed when
/// nothing changes.
pub fn integral_numbers(text: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'"' => i = string_end(text, i + 1),
            b'-' | b'0'..=b'9' => {
                let end = number_end(text, i);
                let token = text.get(i..end).unwrap_or_default();
                if let Some(integer) = whole(token) {
                    let buf = out.get_or_insert_with(|| Vec::with_capacity(text.len()));
                    buf.extend_from_slice(text.get(copied..i).unwrap_or_default());
                    buf.extend_from_slice(integer.as_bytes());
                    copied = end;
                }
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.extend_from_slice(text.get(copied..).unwrap_or_default());
            Cow::Owned(buf)
        }
    }
}

/// The index just after the string whose contents start at `i`.
fn string_end(text: &[u8], mut i: usize) -> usize {
    while let Some(&b) = text.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// The index just after the number-like run starting at `i`.
fn number_end(text: &[u8], mut i: usize) -> usize {
    while text
        .get(i)
        .is_some_and(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
    {
        i += 1;
    }
    i
}

/// The integer a JSON number token stands for, when it has a fraction or
/// an exponent and its value is whole; `None` otherwise (plain integers,
/// fractions, malformed tokens, results longer than [`MAX_DIGITS`]).
fn whole(token: &[u8]) -> Option<String> {
    let (negative, rest) = match token.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, token),
    };
    let (mantissa, exponent) = match rest.iter().position(|b| matches!(b, b'e' | b'E')) {
        Some(at) => (rest.get(..at)?, Some(rest.get(at + 1..)?)),
        None => (rest, None),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
        Some(at) => (mantissa.get(..at)?, Some(mantissa.get(at + 1..)?)),
        None => (mantissa, None),
    };
    // JSON's grammar: an integer part without leading zeros, a non-empty
    // fraction, an exponent with an optional sign and digits.
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !digits(int_part) || (int_part.len() > 1 && int_part.first() == Some(&b'0')) {
        return None;
    }
    if frac_part.is_some_and(|f| !digits(f)) {
        return None;
    }
    if frac_part.is_none() && exponent.is_none() {
        return None;
    }
    let shift: i64 = match exponent {
        None => 0,
        Some(e) => {
            let (sign, magnitude) = match e.split_first() {
                Some((b'-', m)) => (-1, m),
                Some((b'+', m)) => (1, m),
                _ => (1, e),
            };
            if !digits(magnitude) {
                return None;
            }
            // Past this, the value is 0.000… or has more than MAX_DIGITS digits.
            if magnitude.len() > 4 {
                return None;
            }
            sign * std::str::from_utf8(magnitude).ok()?.parse::<i64>().ok()?
        }
    };
    let all: Vec<u8> = int_part
        .iter()
        .chain(frac_part.unwrap_or_default())
        .copied()
        .collect();
    // The decimal point sits after `point` digits of `all`.
    let point = i64::try_from(int_part.len()).ok()? + shift;
    let split = usize::try_from(point.max(0)).ok()?.min(all.len());
    if all.get(split..)?.iter().any(|&b| b != b'0') {
        return None;
    }
    let zeros = usize::try_from(point.max(0))
        .ok()?
        .saturating_sub(all.len());
    let mut integer: String = all
        .get(..split)?
        .iter()
        .map(|&b| char::from(b))
        .skip_while(|&c| c == '0')
        .collect();
    if integer.is_empty() {
        return Some("0".to_owned());
    }
    if integer.len() + zeros > MAX_DIGITS {
        return None;
    }
    integer.extend(std::iter::repeat_n('0', zeros));
    if negative {
        integer.insert(0, '-');
    }
    Some(integer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;

    fn rewrite(text: &str) -> String {
        String::from_utf8(integral_numbers(text.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn whole_numbers_become_integers() {
        assert_eq!(rewrite(r#"{"a":131.0}"#), r#"{"a":131}"#);
        assert_eq!(
            rewrite("[2e0, 1.5e1, -2E0, 1E+2, 0.0, -0.0, 250e-2]"),
            "[2, 15, -2, 100, 0, 0, 250e-2]"
        );
        assert_eq!(rewrite("[1.50e1,120e-1,12.000]"), "[15,12,12]");
        assert_eq!(
            rewrite("[0.5, 1.0000000000000000001, 3, -7]"),
            "[0.5, 1.0000000000000000001, 3, -7]"
        );
    }

    #[test]
    fn strings_and_non_json_are_left_alone() {
        let text = r#"{"a\"1.0":"2.0","b":[ "x\\", 3.0 ]}"#;
        assert_eq!(rewrite(text), r#"{"a\"1.0":"2.0","b":[ "x\\", 3 ]}"#);
        for odd in [
            "01.0",
            "1.",
            ".5",
            "1e",
            "1e+",
            "--1.0",
            "1.0.0",
            "1ee2",
            "\"unterminated 1.0",
        ] {
            assert_eq!(rewrite(odd), odd, "{odd}");
        }
        assert!(matches!(integral_numbers(b"{\"a\":1}"), Cow::Borrowed(_)));
    }

    #[test]
    fn huge_exponents_are_not_expanded() {
        assert_eq!(rewrite("1e1000000"), "1e1000000");
        assert_eq!(rewrite("1e19"), "10000000000000000000");
        assert_eq!(rewrite("1e20"), "1e20");
        assert_eq!(rewrite("1e-99999"), "1e-99999");
        assert_eq!(rewrite("0e99999"), "0e99999");
        assert_eq!(rewrite("0e9"), "0");
    }
}
