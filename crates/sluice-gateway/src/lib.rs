//! The HTTP front end of a Sluice node.
//!
//! It accepts both SQS wire protocols on every path, decodes the request with
//! `sluice-sqs`, finds the queue and its partition group in the applied
//! catalog, proposes the state change to that group through
//! `sluice-replication`, and encodes the outcome in the request's protocol.
//!
//! Architecture invariant: this is the only crate that speaks HTTP. It never
//! changes state except by a Raft proposal, and it answers a write only with
//! the applied outcome of that proposal.

mod actions;
mod context;
mod dead_letters;
mod errors;
mod http;
mod move_tasks;

pub use dead_letters::run_dead_letter_mover;
pub use http::{router, Gateway, GatewayConfig};
pub use move_tasks::run_move_task_mover;
