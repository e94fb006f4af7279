//! File paths from a model: an accepted path stays inside the app directory whatever the
//! platform makes of it.
#![no_main]

use appgen_core::paths::validate_path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|path: &str| {
    if validate_path(path).is_ok() {
        assert!(!path.starts_with('/') && !path.contains('\\') && !path.contains('\0'));
        let mut depth: i32 = 0;
        for seg in path.split('/') {
            assert!(!seg.is_empty() && seg != "." && seg != "..", "{path:?}");
            depth += 1;
        }
        assert!(depth >= 1);
        let joined = std::path::Path::new("/app").join(path);
        assert!(joined.starts_with("/app"), "{path:?} escapes");
        for c in joined.components() {
            assert!(!matches!(c, std::path::Component::ParentDir));
        }
    }
});
