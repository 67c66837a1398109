//! Nothing: this crate holds the benches (`cargo bench -p callflow-bench`).
