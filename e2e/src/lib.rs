//! Shared helpers for ComputeGrid's end-to-end tests and benchmarks.
