//! Export formats of a [`Registry`](crate::registry::Registry) snapshot:
//! Prometheus text and a JSON health document. Written once here; every
//! binding returns these strings.

pub mod health;
pub mod prometheus;
