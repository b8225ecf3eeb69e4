//! Text checks that match the OpenAPI document's patterns exactly, so a
//! request is refused by the server if and only if its schema refuses it.
//!
//! JSON Schema patterns are ECMA-262 regular expressions, whose `\s` is not
//! Rust's `char::is_whitespace` (it has U+FEFF and lacks U+0085); these
//! functions use ECMA's sets.

/// ECMA-262 `\s`: white space and line terminators.
pub fn is_ecma_space(c: char) -> bool {
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

/// `^\S+$`: not empty, no ECMA space; at most `max` characters.
pub fn is_token(text: &str, max: usize) -> bool {
    !text.is_empty() && text.chars().count() <= max && !text.chars().any(is_ecma_space)
}

/// [`PRINTABLE`]: no control character (C0, DEL, C1); at most `max`
/// characters; with `required`, at least one character that is not a space.
pub fn is_printable(text: &str, max: usize, required: bool) -> bool {
    text.chars().count() <= max
        && !text.chars().any(char::is_control)
        && (!required || text.chars().any(|c| !is_ecma_space(c)))
}

/// The pattern of a non-blank, printable text (`is_printable(_, _, true)`).
pub const PRINTABLE: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_are_ecma_spaces() {
        assert!(is_token("did:web:a#k", 512));
        assert!(!is_token("a b", 512));
        assert!(!is_token("a\u{feff}", 512));
        assert!(is_token("a\u{85}", 512));
        assert!(!is_token(&"a".repeat(513), 512));
        assert!(is_printable("Ministry", 200, true));
        assert!(!is_printable("\u{feff} ", 200, true));
        assert!(is_printable("", 200, false));
        assert!(!is_printable("a\u{7}", 200, false));
        assert!(!is_printable("a\u{85}", 200, false));
        assert!(is_printable(&"é".repeat(200), 200, true));
    }
}
