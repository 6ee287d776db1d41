//! Checks every store passes; `memory.rs` and `sqlite.rs` run them.
