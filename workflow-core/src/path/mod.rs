//! ASL JSONPath and reference paths (being written).
