//! The library behind the `workflow` command, also used by the `workflow!` examples
//! (`--graph`, `--emit-cloudformation`).
//!
//! | module | command |
//! | --- | --- |
//! | [`validate`] | `workflow validate FILE...` |
//! | [`run`] | `workflow run FILE --input JSON` |
//! | [`test_state`] | `workflow test-state FILE STATE --input JSON` |
//! | [`graph`] | `workflow graph FILE --format mermaid\|dot\|svg` |
//! | [`cloudformation`] | `workflow export cloudformation FILE` |

pub mod cloudformation;
pub mod graph;
pub mod mocks;
pub mod run;
pub mod serve;
pub mod source;
pub mod status_line;
pub mod test_state;
pub mod validate;
