//! RDF datasets, N-Quads serialization and URDNA2015 / RDFC-1.0.
//! STUB: owned by the JSON-LD helper.
