//! End-to-end tests of autopsy live in `tests/`; this library holds their shared helpers.
