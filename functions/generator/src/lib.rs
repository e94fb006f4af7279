//! Offline generator (in progress).
