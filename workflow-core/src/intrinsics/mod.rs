//! The `States.*` intrinsic functions (being written).
