use super::StateAt;
use crate::diagnostic::Diagnostics;

/// Paths, reference paths and intrinsic calls must parse (being written with the path module).
pub fn check_paths(_s: &StateAt, _cx: &Diagnostics) {}
