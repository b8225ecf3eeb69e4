//! URDNA2015 (RDFC-1.0) canonical labelling, as rdf-canonize 1.2.0 runs it.
//!
//! The algorithm gives blank nodes labels that depend only on the graph's
//! shape. Nodes whose first-degree hashes tie need the N-degree step, which
//! explores permutations of their neighbours: factorial in the worst case.
//! Every step here spends from a fixed work budget, so a hostile document
//! fails with [`JsonLdError::TooComplex`] in bounded time.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::nquads::{push_canonical_label, push_quad, sort_spans_js};
use super::{Quad, Term};
use crate::jsonld::JsonLdError;

/// Upper bound on N-degree work units (hash computations, permutations
/// tried, recursive calls). A DIVOC certificate with two identical evidence
/// entries needs a few dozen; a clique of ten interchangeable nodes needs
/// millions.
const MAX_NDEGREE_WORK: usize = 20_000;

/// Upper bound on the nesting of Hash N-Degree Quads calls; bounds the stack.
const MAX_NDEGREE_DEPTH: usize = 32;

type Hash = [u8; 32];

fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

fn push_hex(out: &mut String, hash: &Hash) {
    for b in hash {
        // Writing into a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
}

/// A blank node identifier issuer (`_:b0`, `_:b1` ...) for the N-degree
/// step. Small and cloned once per permutation, so a plain vector: the
/// position of a node is its number.
#[derive(Clone, Default)]
struct Issuer {
    issued: Vec<u32>,
}

impl Issuer {
    fn get(&self, node: u32) -> Option<usize> {
        self.issued.iter().position(|&n| n == node)
    }

    fn issue(&mut self, node: u32) -> usize {
        match self.get(node) {
            Some(i) => i,
            None => {
                self.issued.push(node);
                self.issued.len() - 1
            }
        }
    }
}

struct State<'q, 'a> {
    quads: &'q [Quad<'a>],
    /// For each blank node, the quads that mention it.
    mentions: Vec<Vec<usize>>,
    first_degree: Vec<Option<Hash>>,
    canonical: Vec<Option<u32>>,
    next_canonical: u32,
    work: usize,
}

impl State<'_, '_> {
    fn spend(&mut self) -> Result<(), JsonLdError> {
        self.work += 1;
        if self.work > MAX_NDEGREE_WORK {
            return Err(JsonLdError::TooComplex {
                limit: MAX_NDEGREE_WORK,
            });
        }
        Ok(())
    }

    fn issue_canonical(&mut self, node: u32) {
        if let Some(slot) = self.canonical.get_mut(node as usize)
            && slot.is_none()
        {
            *slot = Some(self.next_canonical);
            self.next_canonical += 1;
        }
    }

    fn canonical_of(&self, node: u32) -> Option<u32> {
        self.canonical.get(node as usize).copied().flatten()
    }

    /// Hash First Degree Quads: the node's quads with itself as `_:a` and
    /// every other blank node as `_:z`, sorted and hashed.
    fn first_degree(&self, node: u32) -> Hash {
        let label = |out: &mut String, b: u32| out.push_str(if b == node { "_:a" } else { "_:z" });
        let mentions = self
            .mentions
            .get(node as usize)
            .map_or(&[][..], Vec::as_slice);
        // One buffer for all lines, sorted as spans: no allocation per line.
        let mut buf = String::with_capacity(mentions.len() * 128);
        let mut spans = Vec::with_capacity(mentions.len());
        for &qi in mentions {
            if let Some(quad) = self.quads.get(qi) {
                let start = buf.len();
                push_quad(&mut buf, quad, &label);
                spans.push((start, buf.len()));
            }
        }
        sort_spans_js(&buf, &mut spans);
        let mut hasher = Sha256::new();
        for &(start, end) in &spans {
            hasher.update(buf.as_bytes().get(start..end).unwrap_or_default());
        }
        hasher.finalize().into()
    }

    fn first_degree_cached(&self, node: u32) -> Hash {
        match self.first_degree.get(node as usize).copied().flatten() {
            Some(h) => h,
            None => self.first_degree(node),
        }
    }

    /// Hash Related Blank Node.
    fn hash_related(
        &mut self,
        related: u32,
        quad: &Quad<'_>,
        issuer: &Issuer,
        position: char,
    ) -> Result<Hash, JsonLdError> {
        self.spend()?;
        let mut input = String::with_capacity(160);
        input.push(position);
        if position != 'g' {
            input.push('<');
            input.push_str(&quad.predicate);
            input.push('>');
        }
        if let Some(c) = self.canonical_of(related) {
            push_canonical_label(&mut input, c);
        } else if let Some(b) = issuer.get(related) {
            let _ = write!(input, "_:b{b}");
        } else {
            push_hex(&mut input, &self.first_degree_cached(related));
        }
        Ok(sha256(input.as_bytes()))
    }

    /// Hash N-Degree Quads.
    fn hash_n_degree(
        &mut self,
        node: u32,
        issuer: &Issuer,
        depth: usize,
    ) -> Result<(Hash, Issuer), JsonLdError> {
        if depth > MAX_NDEGREE_DEPTH {
            return Err(JsonLdError::TooDeep {
                what: "nested blank node disambiguation",
                limit: MAX_NDEGREE_DEPTH,
            });
        }
        self.spend()?;
        let mut issuer = issuer.clone();
        // Ordered by hash: the hex strings sort as the bytes do.
        let mut hash_to_related: BTreeMap<Hash, Vec<u32>> = BTreeMap::new();
        let mentions = self
            .mentions
            .get(node as usize)
            .cloned()
            .unwrap_or_default();
        let quads = self.quads;
        for qi in mentions {
            let Some(quad) = quads.get(qi) else { continue };
            for (term, position) in [
                (Some(&quad.subject), 's'),
                (Some(&quad.object), 'o'),
                (quad.graph.as_ref(), 'g'),
            ] {
                if let Some(&Term::Blank(related)) = term
                    && related != node
                {
                    let hash = self.hash_related(related, quad, &issuer, position)?;
                    hash_to_related.entry(hash).or_default().push(related);
                }
            }
        }

        let mut data = String::new();
        for (related_hash, related) in &hash_to_related {
            push_hex(&mut data, related_hash);
            let mut chosen_path = String::new();
            let mut chosen_issuer: Option<Issuer> = None;
            let mut perm: Vec<usize> = (0..related.len()).collect();
            loop {
                self.spend()?;
                if let Some((path, issuer_copy)) =
                    self.try_permutation(&perm, related, &issuer, &chosen_path, depth)?
                    && (chosen_path.is_empty() || path < chosen_path)
                {
                    chosen_path = path;
                    chosen_issuer = Some(issuer_copy);
                }
                if !next_permutation(&mut perm) {
                    break;
                }
            }
            data.push_str(&chosen_path);
            if let Some(chosen) = chosen_issuer {
                issuer = chosen;
            }
        }
        Ok((sha256(data.as_bytes()), issuer))
    }

    /// One permutation of the related nodes: the path it gives, or `None`
    /// when it cannot beat the path chosen so far.
    fn try_permutation(
        &mut self,
        perm: &[usize],
        related: &[u32],
        issuer: &Issuer,
        chosen_path: &str,
        depth: usize,
    ) -> Result<Option<(String, Issuer)>, JsonLdError> {
        let worse = |path: &str| {
            !chosen_path.is_empty() && path.len() >= chosen_path.len() && path > chosen_path
        };
        let mut issuer_copy = issuer.clone();
        let mut path = String::new();
        let mut recursion = Vec::new();
        for &i in perm {
            let Some(&r) = related.get(i) else { continue };
            if let Some(c) = self.canonical_of(r) {
                push_canonical_label(&mut path, c);
            } else {
                if issuer_copy.get(r).is_none() {
                    recursion.push(r);
                }
                let b = issuer_copy.issue(r);
                let _ = write!(path, "_:b{b}");
            }
            if worse(&path) {
                return Ok(None);
            }
        }
        for r in recursion {
            let (hash, result_issuer) = self.hash_n_degree(r, &issuer_copy, depth + 1)?;
            let b = issuer_copy.issue(r);
            let _ = write!(path, "_:b{b}<");
            push_hex(&mut path, &hash);
            path.push('>');
            issuer_copy = result_issuer;
            if worse(&path) {
                return Ok(None);
            }
        }
        Ok(Some((path, issuer_copy)))
    }
}

/// Advances `perm` to the next permutation in lexicographic order; false
/// after the last one.
fn next_permutation(perm: &mut [usize]) -> bool {
    let n = perm.len();
    let Some(i) = (1..n).rev().find(|&i| perm.get(i - 1) < perm.get(i)) else {
        return false;
    };
    let pivot = i - 1;
    let Some(j) = (i..n).rev().find(|&j| perm.get(j) > perm.get(pivot)) else {
        return false;
    };
    perm.swap(pivot, j);
    if let Some(tail) = perm.get_mut(i..) {
        tail.reverse();
    }
    true
}

/// Canonical N-Quads of a dataset whose blank nodes are numbered
/// `0..blank_count`. `quads` must be free of duplicates (DIVOC's stack never
/// sees duplicates: its node map merges them).
pub(crate) fn canonicalize(quads: &[Quad<'_>], blank_count: u32) -> Result<String, JsonLdError> {
    let n = blank_count as usize;
    let mut mentions: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (qi, quad) in quads.iter().enumerate() {
        for term in [Some(&quad.subject), Some(&quad.object), quad.graph.as_ref()]
            .into_iter()
            .flatten()
        {
            // A node mentioned twice in one quad is listed once.
            if let Term::Blank(b) = term
                && let Some(list) = mentions.get_mut(*b as usize)
                && list.last() != Some(&qi)
            {
                list.push(qi);
            }
        }
    }
    let mut state = State {
        quads,
        mentions,
        first_degree: vec![None; n],
        canonical: vec![None; n],
        next_canonical: 0,
        work: 0,
    };

    let mut by_hash: BTreeMap<Hash, Vec<u32>> = BTreeMap::new();
    for node in 0..blank_count {
        let present = state
            .mentions
            .get(node as usize)
            .is_some_and(|m| !m.is_empty());
        if present {
            let hash = state.first_degree(node);
            if let Some(slot) = state.first_degree.get_mut(node as usize) {
                *slot = Some(hash);
            }
            by_hash.entry(hash).or_default().push(node);
        }
    }

    // Unique first-degree hashes get labels in hash order.
    for nodes in by_hash.values() {
        if let [node] = nodes.as_slice() {
            state.issue_canonical(*node);
        }
    }

    // Ties are broken by the N-degree hashes, again in hash order.
    for nodes in by_hash.values() {
        if nodes.len() < 2 {
            continue;
        }
        let mut results: Vec<(Hash, Issuer)> = Vec::new();
        for &node in nodes {
            if state.canonical_of(node).is_some() {
                continue;
            }
            let mut temporary = Issuer::default();
            temporary.issue(node);
            results.push(state.hash_n_degree(node, &temporary, 0)?);
        }
        results.sort_by_key(|a| a.0);
        for (_, issuer) in results {
            for node in issuer.issued {
                state.issue_canonical(node);
            }
        }
    }

    let label = |out: &mut String, b: u32| {
        // Every blank node in a quad got a label above.
        push_canonical_label(out, state.canonical_of(b).unwrap_or(u32::MAX));
    };
    let mut buf = String::with_capacity(quads.len() * 128);
    let mut spans = Vec::with_capacity(quads.len());
    for quad in quads {
        let start = buf.len();
        push_quad(&mut buf, quad, &label);
        spans.push((start, buf.len()));
    }
    sort_spans_js(&buf, &mut spans);
    let mut out = String::with_capacity(buf.len());
    for (start, end) in spans {
        out.push_str(buf.get(start..end).unwrap_or_default());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdf::Text;

    fn q(s: Term<'static>, p: &'static str, o: Term<'static>) -> Quad<'static> {
        Quad {
            subject: s,
            predicate: Text::Borrowed(p),
            object: o,
            graph: None,
        }
    }

    fn lit(v: &'static str) -> Term<'static> {
        Term::Literal {
            value: Text::Borrowed(v),
            datatype: Text::Borrowed(crate::rdf::XSD_STRING),
            language: None,
        }
    }

    #[test]
    fn permutations_are_lexicographic_and_complete() {
        let mut p = vec![0, 1, 2];
        let mut seen = vec![p.clone()];
        while next_permutation(&mut p) {
            seen.push(p.clone());
        }
        assert_eq!(seen.len(), 6);
        assert_eq!(seen[1], vec![0, 2, 1]);
        assert_eq!(seen[5], vec![2, 1, 0]);
        assert!(!next_permutation(&mut []));
    }

    #[test]
    fn labels_do_not_depend_on_input_numbering() {
        // Two blank nodes, distinguishable only through their neighbours.
        let a = vec![
            q(Term::Blank(0), "http://p", Term::Blank(1)),
            q(Term::Blank(1), "http://name", lit("x")),
            q(Term::Blank(2), "http://p", Term::Blank(3)),
            q(Term::Blank(3), "http://name", lit("y")),
        ];
        let b = vec![
            q(Term::Blank(3), "http://p", Term::Blank(0)),
            q(Term::Blank(0), "http://name", lit("x")),
            q(Term::Blank(1), "http://p", Term::Blank(2)),
            q(Term::Blank(2), "http://name", lit("y")),
        ];
        assert_eq!(canonicalize(&a, 4).unwrap(), canonicalize(&b, 4).unwrap());
    }

    #[test]
    fn a_clique_of_interchangeable_nodes_is_too_complex() {
        let n = 12u32;
        let mut quads = Vec::new();
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    quads.push(q(Term::Blank(i), "http://knows", Term::Blank(j)));
                }
            }
        }
        assert_eq!(
            canonicalize(&quads, n),
            Err(JsonLdError::TooComplex {
                limit: MAX_NDEGREE_WORK
            })
        );
    }
}
