//! The server's own `pow`, so it does not load the C math library.
//!
//! Why: `pow` was the only symbol the server took from `libm.so.6` (tokio's scheduler statistics
//! call `f64::powf`), and loading that library for it cost about 0.5 MB of resident memory (its
//! code and tables, faulted in 64 KB at a time). Defining `pow` here resolves every reference to
//! it at link time, so the linker (which links only libraries that are used) leaves libm out.
//! It lives in the library, not in `main.rs`, so every binary that links it has it: `appgen`
//! and `appgen-devtools`, whose `serve-bench` is the server `bench` measures.
//! The implementation is the `libm` crate's port of musl's `pow`; `libm_shim` tests pin it to the
//! C library's results.

/// IEEE `pow`, as C's `<math.h>` declares it.
#[unsafe(no_mangle)]
pub extern "C" fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

#[cfg(test)]
mod tests {
    /// Results of glibc's `pow` (Python's `math.pow` on this machine), to the bit.
    #[test]
    fn pow_matches_the_c_library() {
        let cases = [
            (2.0, 10.0, 1024.0),
            (0.5, 2.4, 0.18946457081379978),
            (10.0, -3.0, 0.001),
            (0.9, 1e6, 0.0),
            (-8.0, 3.0, -512.0),
            (0.0, 0.0, 1.0),
            (1.0999, 2.4, 1.2567465014688621),
            (0.0392, 2.4, 0.00042061674755286766),
            (0.75, 0.3, 0.9173147546424016),
            (3.0, 0.5, 1.7320508075688772),
        ];
        for (x, y, glibc) in cases {
            assert_eq!(
                super::pow(x, y).to_bits(),
                f64::to_bits(glibc),
                "pow({x}, {y})"
            );
        }
        assert!(super::pow(-1.0, 0.5).is_nan());
    }
}
