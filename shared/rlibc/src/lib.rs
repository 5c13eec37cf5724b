//! `memcpy`, `memmove`, `memset` and `memcmp` for the contracts' Wasm, eight bytes a step.
//!
//! ink_env 5.1.1 links `rlibc` 1.0.0 into every contract on Wasm for these symbols (Rust calls
//! them for every copy, fill and comparison it does not unroll: moving a struct, decoding into a
//! buffer, zeroing an array, comparing two ids). pallet-contracts accepts no bulk-memory Wasm, so
//! they are loops, and rlibc's go one byte per turn: about 14 Wasm instructions a byte, every one
//! charged as ref_time (a two-credential reveal spent over two thirds of its execution in them).
//! This crate replaces rlibc (`[patch.crates-io]`) with the same four functions, eight bytes per
//! turn: Wasm loads and stores need no alignment, so `read_unaligned` / `write_unaligned` of a
//! `u64` is one `i64.load` / `i64.store` whatever the addresses. The crate is `no_builtins`, as
//! rlibc is, so the compiler cannot turn a loop back into a call to the function it is in (the
//! compiled bodies call nothing but `copy_forward`, which calls nothing).
//!
//! The symbols are exported on Wasm only; a host build (the workspace's tests) links its libc's
//! and tests these functions under their Rust names against the slice methods.

#![cfg_attr(not(test), no_std)]
#![no_builtins]

/// The step: one `i64.load` and one `i64.store`.
const WORD: usize = 8;

/// Copies `n` bytes from `src` to `dest`, which do not overlap.
///
/// # Safety
/// As C's `memcpy`: both ranges valid for `n` bytes and disjoint.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    copy_forward(dest, src, n);
    dest
}

/// Copies `n` bytes from `src` to `dest`; the ranges may overlap.
///
/// # Safety
/// As C's `memmove`: both ranges valid for `n` bytes.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // Forward is right unless `dest` starts inside `src`'s range; an overlapping move the other
    // way (rare: shifting a vector's tail) goes byte by byte from the end.
    if (dest as usize).wrapping_sub(src as usize) >= n {
        copy_forward(dest, src, n);
    } else {
        let mut n = n;
        while n > 0 {
            n -= 1;
            *dest.add(n) = *src.add(n);
        }
    }
    dest
}

/// Sets `n` bytes at `dest` to `c`.
///
/// # Safety
/// As C's `memset`: the range valid for `n` bytes.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    let (mut d, mut n, byte) = (dest, n, c as u8);
    let word = u64::from(byte).wrapping_mul(0x0101_0101_0101_0101);
    while n >= WORD {
        d.cast::<u64>().write_unaligned(word);
        (d, n) = (d.add(WORD), n - WORD);
    }
    while n > 0 {
        *d = byte;
        (d, n) = (d.add(1), n - 1);
    }
    dest
}

/// Compares `n` bytes at `a` and `b`: negative, zero or positive as the first differing byte of
/// `a` is below, equal to or above `b`'s.
///
/// # Safety
/// As C's `memcmp`: both ranges valid for `n` bytes.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let (mut a, mut b, mut n) = (a, b, n);
    // Equal words are skipped whole; the first unequal one is compared byte by byte below.
    while n >= WORD && a.cast::<u64>().read_unaligned() == b.cast::<u64>().read_unaligned() {
        (a, b, n) = (a.add(WORD), b.add(WORD), n - WORD);
    }
    while n > 0 {
        let (x, y) = (*a, *b);
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        (a, b, n) = (a.add(1), b.add(1), n - 1);
    }
    0
}

unsafe fn copy_forward(mut d: *mut u8, mut s: *const u8, mut n: usize) {
    while n >= WORD {
        d.cast::<u64>()
            .write_unaligned(s.cast::<u64>().read_unaligned());
        (d, s, n) = (d.add(WORD), s.add(WORD), n - WORD);
    }
    while n > 0 {
        *d = *s;
        (d, s, n) = (d.add(1), s.add(1), n - 1);
    }
}

#[cfg(test)]
mod tests {
    //! Every length up to 40 bytes (five words and a tail) at every alignment of both
    //! addresses, against the standard library's slice methods.

    const LENGTHS: core::ops::RangeInclusive<usize> = 0..=40;

    fn pattern(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn memcpy_copies_exactly_the_range_at_any_alignment() {
        for n in LENGTHS {
            for (s, d) in (0..8).flat_map(|s| (0..8).map(move |d| (s, d))) {
                let src = pattern(64, 1);
                let mut dst = pattern(64, 2);
                let mut want = dst.clone();
                want[d..d + n].copy_from_slice(&src[s..s + n]);
                let got = unsafe { super::memcpy(dst.as_mut_ptr().add(d), src.as_ptr().add(s), n) };
                assert_eq!(got, unsafe { dst.as_mut_ptr().add(d) });
                assert_eq!(dst, want, "n {n}, src +{s}, dest +{d}");
            }
        }
    }

    #[test]
    fn memmove_copies_overlapping_ranges_both_ways() {
        for n in LENGTHS {
            for (s, d) in (0..24).flat_map(|s| (0..24).map(move |d| (s, d))) {
                let mut buf = pattern(96, 3);
                let mut want = buf.clone();
                want.copy_within(s..s + n, d);
                let p = buf.as_mut_ptr();
                unsafe { super::memmove(p.add(d), p.add(s), n) };
                assert_eq!(buf, want, "n {n}, src +{s}, dest +{d}");
            }
        }
    }

    #[test]
    fn memset_fills_exactly_the_range() {
        for n in LENGTHS {
            for d in 0..8 {
                for c in [0x00, 0xa5, 0xff, 0x1ff] {
                    let mut buf = pattern(64, 4);
                    let mut want = buf.clone();
                    want[d..d + n].fill(c as u8);
                    unsafe { super::memset(buf.as_mut_ptr().add(d), c, n) };
                    assert_eq!(buf, want, "n {n}, dest +{d}, c {c:#x}");
                }
            }
        }
    }

    #[test]
    fn memcmp_orders_by_the_first_differing_byte() {
        for n in LENGTHS {
            for (s, d) in (0..8).flat_map(|s| (0..8).map(move |d| (s, d))) {
                let a = pattern(64, 5);
                let mut b = vec![0; 64];
                b[d..d + n].copy_from_slice(&a[s..s + n]);
                let cmp = |a: &[u8], b: &[u8]| unsafe {
                    super::memcmp(a.as_ptr().add(s), b.as_ptr().add(d), n).signum()
                };
                assert_eq!(cmp(&a, &b), 0, "n {n}, equal");
                // A difference at every position, each way, with equal bytes after it.
                for i in 0..n {
                    for (x, y, sign) in [(0x10, 0x90, -1), (0x90, 0x10, 1)] {
                        let (mut a, mut b) = (a.clone(), b.clone());
                        (a[s + i], b[d + i]) = (x, y);
                        assert_eq!(cmp(&a, &b), sign, "n {n}, at {i}, {x:#x} vs {y:#x}");
                    }
                }
            }
        }
    }
}
