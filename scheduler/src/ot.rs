//! Entropic optimal transport on a sparse cost matrix: log-domain Sinkhorn with ε-scaling.
//!
//! Minimises `⟨C, P⟩ − ε H(P)` over plans `P ≥ 0` with row sums `a` and column sums `b`
//! (`Σa = Σb`), where `P` may be non-zero only on the matrix's entries: an absent entry is an
//! infinite cost (a hard constraint), and costs nothing to store or to iterate over. The dual
//! potentials `f`, `g` are updated as
//!
//! ```text
//! f_i = ε log a_i − ε LSE_j((g_j − C_ij)/ε)        g_j = ε log b_j − ε LSE_i((f_i − C_ij)/ε)
//! ```
//!
//! and the plan is `P_ij = exp((f_i + g_j − C_ij)/ε)`. Log-sum-exp never overflows, so ε may be
//! small against the costs. ε starts at the largest cost and halves stage by stage to the target,
//! each stage warm-started from the last (ε-scaling), which keeps the iteration count low at
//! small ε. Unbalanced problems (supply ≠ demand) are posed by the caller as balanced ones with a
//! slack row and column ([`crate::recommend`]), which keeps every capacity a hard constraint.

/// A sparse cost matrix, stored by rows (for the `f` update and the plan) and by columns (for
/// the `g` update).
#[derive(Debug, Clone, PartialEq)]
pub struct SparseCost {
    pub rows: usize,
    pub cols: usize,
    /// Row `i`'s entries are `row_ptr[i]..row_ptr[i + 1]` of `col` and `cost`.
    pub row_ptr: Vec<usize>,
    pub col: Vec<u32>,
    pub cost: Vec<f64>,
    col_ptr: Vec<usize>,
    /// By column: (row, index of the entry in the row-major arrays).
    by_col: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OtError {
    #[error("the masses are not balanced: rows hold {rows}, columns {cols}")]
    Unbalanced { rows: f64, cols: f64 },
    #[error("a mass is negative or not a number")]
    BadMass,
    #[error("a cost is not a finite number")]
    BadCost,
    #[error("row {0} holds mass but has no admissible column")]
    RowStranded(usize),
    #[error("column {0} holds mass but has no admissible row")]
    ColumnStranded(usize),
    #[error("ε must be a positive number")]
    BadEpsilon,
}

impl SparseCost {
    /// From each row's entries `(column, cost)`; a column may appear at most once per row.
    pub fn from_rows(cols: usize, rows: &[Vec<(u32, f64)>]) -> Result<SparseCost, OtError> {
        let nnz: usize = rows.iter().map(Vec::len).sum();
        let mut row_ptr = Vec::with_capacity(rows.len() + 1);
        let mut col = Vec::with_capacity(nnz);
        let mut cost = Vec::with_capacity(nnz);
        let mut col_count = vec![0usize; cols + 1];
        row_ptr.push(0);
        for entries in rows {
            for &(j, c) in entries {
                if !c.is_finite() {
                    return Err(OtError::BadCost);
                }
                col.push(j);
                cost.push(c);
                col_count[j as usize + 1] += 1;
            }
            row_ptr.push(col.len());
        }
        for j in 0..cols {
            col_count[j + 1] += col_count[j];
        }
        let col_ptr = col_count.clone();
        let mut fill = col_count;
        let mut by_col = vec![(0u32, 0u32); nnz];
        for i in 0..rows.len() {
            for k in row_ptr[i]..row_ptr[i + 1] {
                let j = col[k] as usize;
                by_col[fill[j]] = (i as u32, k as u32);
                fill[j] += 1;
            }
        }
        Ok(SparseCost {
            rows: rows.len(),
            cols,
            row_ptr,
            col,
            cost,
            col_ptr,
            by_col,
        })
    }

    pub fn nnz(&self) -> usize {
        self.cost.len()
    }

    /// The bytes the matrix holds (for the benchmark's memory figure).
    pub fn heap_bytes(&self) -> usize {
        self.row_ptr.len() * 8
            + self.col.len() * 4
            + self.cost.len() * 8
            + self.col_ptr.len() * 8
            + self.by_col.len() * 8
    }
}

/// Solver settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The target regularisation ε, in cost units.
    pub epsilon: f64,
    /// Stop when the rows' L1 marginal error, relative to the total mass, is below this.
    pub tolerance: f64,
    /// At most this many iterations over all stages.
    pub max_iterations: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            epsilon: 0.01,
            tolerance: 1e-6,
            max_iterations: 2_000,
        }
    }
}

/// A solved problem: the plan's entries (aligned with the cost matrix's row-major entries) and
/// how the iteration ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub plan: Vec<f64>,
    pub iterations: usize,
    /// The rows' L1 marginal error relative to the total mass at the end.
    pub marginal_error: f64,
    pub converged: bool,
}

impl Solution {
    /// `⟨C, P⟩`.
    pub fn transport_cost(&self, c: &SparseCost) -> f64 {
        self.plan.iter().zip(&c.cost).map(|(p, c)| p * c).sum()
    }
}

/// Solves the entropic transport problem of `c` between row masses `a` and column masses `b`.
pub fn sinkhorn(c: &SparseCost, a: &[f64], b: &[f64], s: &Settings) -> Result<Solution, OtError> {
    if !(s.epsilon.is_finite() && s.epsilon > 0.0) {
        return Err(OtError::BadEpsilon);
    }
    assert_eq!(
        (a.len(), b.len()),
        (c.rows, c.cols),
        "masses match the matrix"
    );
    if a.iter().chain(b).any(|m| !(m.is_finite() && *m >= 0.0)) {
        return Err(OtError::BadMass);
    }
    let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
    if (sa - sb).abs() > 1e-9 * sa.max(sb).max(1.0) {
        return Err(OtError::Unbalanced { rows: sa, cols: sb });
    }
    let total = sa;
    if total == 0.0 {
        return Ok(Solution {
            plan: vec![0.0; c.nnz()],
            iterations: 0,
            marginal_error: 0.0,
            converged: true,
        });
    }
    let log_of = |m: &f64| {
        if *m > 0.0 {
            (m / total).ln()
        } else {
            f64::NEG_INFINITY
        }
    };
    let log_a: Vec<f64> = a.iter().map(log_of).collect();
    let log_b: Vec<f64> = b.iter().map(log_of).collect();
    for (i, la) in log_a.iter().enumerate() {
        if la.is_finite() && c.row_ptr[i] == c.row_ptr[i + 1] {
            return Err(OtError::RowStranded(i));
        }
    }
    for (j, lb) in log_b.iter().enumerate() {
        let reachable = c.by_col[c.col_ptr[j]..c.col_ptr[j + 1]]
            .iter()
            .any(|&(i, _)| log_a[i as usize].is_finite());
        if lb.is_finite() && !reachable {
            return Err(OtError::ColumnStranded(j));
        }
    }

    let mut f = vec![0.0; c.rows];
    let mut g = vec![0.0; c.cols];
    let largest = c.cost.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let mut eps = largest.max(s.epsilon);
    let mut iterations = 0;
    let mut error;
    loop {
        let last_stage = eps <= s.epsilon;
        let stage_tolerance = if last_stage { s.tolerance } else { 1e-3 };
        let mut stage_iterations = 0;
        loop {
            update_rows(c, &log_a, &g, &mut f, eps);
            update_cols(c, &log_b, &f, &mut g, eps);
            iterations += 1;
            stage_iterations += 1;
            let check = stage_iterations % 5 == 0 || iterations >= s.max_iterations;
            if check {
                error = row_error(c, &log_a, &f, &g, eps);
                if error < stage_tolerance
                    || iterations >= s.max_iterations
                    || (!last_stage && stage_iterations >= 50)
                {
                    break;
                }
            }
        }
        if last_stage || iterations >= s.max_iterations {
            break;
        }
        eps = (eps / 2.0).max(s.epsilon);
    }
    let inv = 1.0 / eps;
    let mut plan = vec![0.0; c.nnz()];
    for i in 0..c.rows {
        if f[i] == f64::NEG_INFINITY {
            continue;
        }
        for k in c.row_ptr[i]..c.row_ptr[i + 1] {
            let j = c.col[k] as usize;
            if g[j] == f64::NEG_INFINITY {
                continue;
            }
            plan[k] = total * ((f[i] + g[j] - c.cost[k]) * inv).exp();
        }
    }
    Ok(Solution {
        plan,
        iterations,
        marginal_error: error,
        converged: error < s.tolerance,
    })
}

/// `log Σ_k exp(x_k / ε)` times ε, over the values `x` yields (−∞ when there are none).
#[inline]
fn eps_lse(xs: impl Iterator<Item = f64> + Clone, inv: f64, eps: f64) -> f64 {
    let max = xs.clone().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    let sum: f64 = xs.map(|x| ((x - max) * inv).exp()).sum();
    max + eps * sum.ln()
}

/// `ε LSE_j((g_j − C_ij)/ε)` over row `i`'s entries.
#[inline]
fn row_lse(c: &SparseCost, i: usize, g: &[f64], inv: f64, eps: f64) -> f64 {
    let range = c.row_ptr[i]..c.row_ptr[i + 1];
    let xs = c.col[range.clone()]
        .iter()
        .zip(&c.cost[range])
        .map(|(&j, &cost)| g[j as usize] - cost);
    eps_lse(xs, inv, eps)
}

fn update_rows(c: &SparseCost, log_a: &[f64], g: &[f64], f: &mut [f64], eps: f64) {
    let inv = 1.0 / eps;
    for i in 0..c.rows {
        f[i] = if log_a[i] == f64::NEG_INFINITY {
            f64::NEG_INFINITY
        } else {
            eps * log_a[i] - row_lse(c, i, g, inv, eps)
        };
    }
}

fn update_cols(c: &SparseCost, log_b: &[f64], f: &[f64], g: &mut [f64], eps: f64) {
    let inv = 1.0 / eps;
    for j in 0..c.cols {
        if log_b[j] == f64::NEG_INFINITY {
            g[j] = f64::NEG_INFINITY;
            continue;
        }
        let xs = c.by_col[c.col_ptr[j]..c.col_ptr[j + 1]]
            .iter()
            .map(|&(i, k)| f[i as usize] - c.cost[k as usize]);
        g[j] = eps * log_b[j] - eps_lse(xs, inv, eps);
    }
}

/// `Σ_i |row_i(P) − a_i|` with the masses normalised to 1.
fn row_error(c: &SparseCost, log_a: &[f64], f: &[f64], g: &[f64], eps: f64) -> f64 {
    let inv = 1.0 / eps;
    let mut error = 0.0;
    for i in 0..c.rows {
        let a = log_a[i].exp();
        if f[i] == f64::NEG_INFINITY {
            error += a;
            continue;
        }
        let row = ((f[i] + row_lse(c, i, g, inv, eps)) * inv).exp();
        error += (row - a).abs();
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact;

    fn dense(costs: &[Vec<f64>]) -> SparseCost {
        let rows: Vec<Vec<(u32, f64)>> = costs
            .iter()
            .map(|r| r.iter().enumerate().map(|(j, &c)| (j as u32, c)).collect())
            .collect();
        SparseCost::from_rows(costs[0].len(), &rows).unwrap()
    }

    fn sums(c: &SparseCost, plan: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut rows = vec![0.0; c.rows];
        let mut cols = vec![0.0; c.cols];
        for i in 0..c.rows {
            for k in c.row_ptr[i]..c.row_ptr[i + 1] {
                rows[i] += plan[k];
                cols[c.col[k] as usize] += plan[k];
            }
        }
        (rows, cols)
    }

    #[test]
    fn the_plan_meets_both_marginals() {
        let c = dense(&[vec![0.1, 0.9, 0.4], vec![0.7, 0.2, 0.3]]);
        let (a, b) = (vec![3.0, 5.0], vec![2.0, 2.0, 4.0]);
        let s = sinkhorn(&c, &a, &b, &Settings::default()).unwrap();
        assert!(s.converged, "{s:?}");
        let (rows, cols) = sums(&c, &s.plan);
        for (x, y) in rows.iter().zip(&a).chain(cols.iter().zip(&b)) {
            assert!((x - y).abs() < 1e-4 * 8.0, "{rows:?} {cols:?}");
        }
    }

    #[test]
    fn absent_entries_carry_nothing() {
        // Row 0 may use column 0 only; the plan must route around the hole.
        let rows = vec![vec![(0, 0.5)], vec![(0, 0.1), (1, 0.9)]];
        let c = SparseCost::from_rows(2, &rows).unwrap();
        let s = sinkhorn(&c, &[1.0, 1.0], &[1.0, 1.0], &Settings::default()).unwrap();
        assert_eq!(s.plan.len(), 3);
        assert!((s.plan[0] - 1.0).abs() < 1e-5 && (s.plan[2] - 1.0).abs() < 1e-5);
        assert!(s.plan[1] < 1e-5);
    }

    #[test]
    fn bad_problems_are_refused() {
        let c = dense(&[vec![0.1, 0.2]]);
        let st = Settings::default();
        assert!(matches!(
            sinkhorn(&c, &[1.0], &[1.0, 1.0], &st),
            Err(OtError::Unbalanced { .. })
        ));
        assert_eq!(
            sinkhorn(&c, &[-1.0], &[-0.5, -0.5], &st),
            Err(OtError::BadMass)
        );
        let eps0 = Settings { epsilon: 0.0, ..st };
        assert_eq!(
            sinkhorn(&c, &[1.0], &[0.5, 0.5], &eps0),
            Err(OtError::BadEpsilon)
        );
        let hole = SparseCost::from_rows(2, &[vec![(0, 0.1)]]).unwrap();
        assert_eq!(
            sinkhorn(&hole, &[1.0], &[0.5, 0.5], &st),
            Err(OtError::ColumnStranded(1))
        );
        assert_eq!(
            SparseCost::from_rows(1, &[vec![(0, f64::NAN)]]),
            Err(OtError::BadCost)
        );
    }

    /// Within the entropy gap of the exact optimum: with the masses summing to T over N
    /// admissible entries, `OPT ≤ ⟨C, P_ε⟩ ≤ OPT + ε T log N` (up to the marginal error).
    #[test]
    fn sinkhorn_is_within_the_entropy_gap_of_the_exact_optimum() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for case in 0..60 {
            let (n, m) = (rng.gen_range(1..6), rng.gen_range(1..6));
            let mut rows: Vec<Vec<(u32, f64)>> = (0..n)
                .map(|_| {
                    let mut row = Vec::new();
                    for j in 0..m {
                        if rng.gen_bool(0.7) {
                            row.push((j as u32, rng.gen_range(0.0..1.0)));
                        }
                    }
                    row
                })
                .collect();
            // Every row and column admissible somewhere: the slack pattern of the recommender.
            for (i, r) in rows.iter_mut().enumerate() {
                if r.is_empty() {
                    r.push(((i % m) as u32, 1.0));
                }
            }
            let mut a: Vec<u64> = (0..n).map(|_| rng.gen_range(0..6)).collect();
            let mut b: Vec<u64> = (0..m).map(|_| rng.gen_range(0..6)).collect();
            // Balance with a slack row and column joined to everything.
            let (sa, sb) = (a.iter().sum::<u64>(), b.iter().sum::<u64>());
            for r in rows.iter_mut() {
                r.push((m as u32, 2.0));
            }
            rows.push((0..=m).map(|j| (j as u32, 0.0)).collect());
            a.push(sb);
            b.push(sa);
            let c = SparseCost::from_rows(m + 1, &rows).unwrap();
            let (af, bf): (Vec<f64>, Vec<f64>) = (
                a.iter().map(|&x| x as f64).collect(),
                b.iter().map(|&x| x as f64).collect(),
            );
            let opt = exact::min_cost(&c, &a, &b).expect("feasible");
            let eps = 0.01;
            let s = sinkhorn(
                &c,
                &af,
                &bf,
                &Settings {
                    epsilon: eps,
                    tolerance: 1e-9,
                    max_iterations: 20_000,
                },
            )
            .unwrap();
            let total: f64 = af.iter().sum();
            let got = s.transport_cost(&c);
            let gap = eps * total * (c.nnz() as f64).ln() + 1e-6 * total;
            assert!(
                got >= opt - 1e-6 * total.max(1.0) && got <= opt + gap,
                "case {case}: sinkhorn {got}, exact {opt}, gap {gap}"
            );
        }
    }

    /// The same plan as an independent implementation (the `wass` crate's dense log-domain
    /// Sinkhorn, f32) on dense problems.
    #[test]
    fn agrees_with_an_independent_sinkhorn() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..20 {
            let (n, m) = (rng.gen_range(2..8), rng.gen_range(2..8));
            let costs: Vec<Vec<f64>> = (0..n)
                .map(|_| (0..m).map(|_| rng.gen_range(0.0..1.0)).collect())
                .collect();
            let a: Vec<f64> = (0..n).map(|_| rng.gen_range(0.1..1.0)).collect();
            let mut b: Vec<f64> = (0..m).map(|_| rng.gen_range(0.1..1.0)).collect();
            let (sa, sb) = (a.iter().sum::<f64>(), b.iter().sum::<f64>());
            b.iter_mut().for_each(|x| *x *= sa / sb);
            let eps = 0.1;
            let c = dense(&costs);
            let ours = sinkhorn(
                &c,
                &a,
                &b,
                &Settings {
                    epsilon: eps,
                    tolerance: 1e-10,
                    max_iterations: 10_000,
                },
            )
            .unwrap();
            let to32 =
                |v: &[f64]| ndarray::Array1::from(v.iter().map(|&x| x as f32).collect::<Vec<_>>());
            let cost32 = ndarray::Array2::from_shape_fn((n, m), |(i, j)| costs[i][j] as f32);
            let (theirs, _, _) = wass::sinkhorn_log_with_convergence(
                &to32(&a),
                &to32(&b),
                &cost32,
                eps as f32,
                10_000,
                1e-6,
            )
            .unwrap();
            for i in 0..n {
                for j in 0..m {
                    let o = ours.plan[i * m + j] / sa;
                    let t = theirs[[i, j]] as f64;
                    assert!((o - t).abs() < 1e-4, "({i},{j}): ours {o}, wass {t}");
                }
            }
        }
    }
}
