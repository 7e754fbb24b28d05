//! gRPC types and services generated from `proto/sluice.proto`.
//!
//! Architecture invariant: generated code only; behaviour lives in the crates
//! that implement or call these services.

#![allow(clippy::all)]

pub mod v1 {
    tonic::include_proto!("sluice.v1");
}
