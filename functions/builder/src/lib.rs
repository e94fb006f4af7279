//! Builder (in progress).
