//! A batch job whose suite lives in tests/batch.rs.
