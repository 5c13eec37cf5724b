//! From a fractional transport plan to whole-unit assignments that never exceed an offer's
//! capacity nor a request's demand.
//!
//! First every request takes the whole units its plan entries hold (`⌊P_ij⌋`, as far as the
//! offer still has room); then, requests with the most left over first, each fills what is left
//! from its admissible offers in the order of its plan (most mass first). A request is left
//! with unserved units only when every offer admissible to it is full.

use crate::ot::SparseCost;

/// Whole-unit assignments: per request, `(offer, units)`, and the units left unserved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub assigned: Vec<Vec<(usize, u64)>>,
    pub unserved: Vec<u64>,
}

/// Rounds `plan` (aligned with `c`'s entries; rows are requests, columns offers, only the
/// first `demand.len()` rows and `capacity.len()` columns are read: slack rows and columns
/// beyond them are ignored) to assignments.
pub fn round(c: &SparseCost, plan: &[f64], demand: &[u64], capacity: &[u64]) -> Assignment {
    let (n, m) = (demand.len(), capacity.len());
    let mut room = capacity.to_vec();
    let mut left = demand.to_vec();
    let mut units: Vec<Vec<(usize, u64)>> = vec![Vec::new(); n];
    let mut give = |i: usize, j: usize, want: u64, room: &mut [u64], left: &mut [u64]| {
        let x = want.min(room[j]).min(left[i]);
        if x > 0 {
            room[j] -= x;
            left[i] -= x;
            match units[i].iter_mut().find(|(o, _)| *o == j) {
                Some((_, u)) => *u += x,
                None => units[i].push((j, x)),
            }
        }
    };
    for i in 0..n {
        for k in c.row_ptr[i]..c.row_ptr[i + 1] {
            let j = c.col[k] as usize;
            if j < m && plan[k].is_finite() && plan[k] >= 1.0 {
                give(i, j, plan[k].floor() as u64, &mut room, &mut left);
            }
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| left[i] > 0).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(left[i]));
    for i in order {
        let mut entries: Vec<usize> = (c.row_ptr[i]..c.row_ptr[i + 1])
            .filter(|&k| (c.col[k] as usize) < m)
            .collect();
        entries.sort_by(|&x, &y| {
            plan[y]
                .total_cmp(&plan[x])
                .then(c.cost[x].total_cmp(&c.cost[y]))
        });
        for k in entries {
            if left[i] == 0 {
                break;
            }
            give(i, c.col[k] as usize, u64::MAX, &mut room, &mut left);
        }
    }
    Assignment {
        assigned: units,
        unserved: left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn problem() -> impl Strategy<Value = (SparseCost, Vec<f64>, Vec<u64>, Vec<u64>)> {
        (1usize..8, 1usize..8).prop_flat_map(|(n, m)| {
            (
                prop::collection::vec(prop::collection::vec(prop::option::of(0.0f64..1.0), m), n),
                prop::collection::vec(prop::collection::vec(0.0f64..40.0, m), n),
                prop::collection::vec(0u64..30, n),
                prop::collection::vec(0u64..30, m),
            )
                .prop_map(move |(costs, masses, demand, capacity)| {
                    let rows: Vec<Vec<(u32, f64)>> = costs
                        .iter()
                        .map(|r| {
                            r.iter()
                                .enumerate()
                                .filter_map(|(j, c)| c.map(|c| (j as u32, c)))
                                .collect()
                        })
                        .collect();
                    let c = SparseCost::from_rows(m, &rows).unwrap();
                    let plan: Vec<f64> = rows
                        .iter()
                        .enumerate()
                        .flat_map(|(i, r)| r.iter().map(move |&(j, _)| (i, j as usize)))
                        .map(|(i, j)| masses[i][j])
                        .collect();
                    (c, plan, demand, capacity)
                })
        })
    }

    proptest! {
        /// Whatever the plan says (even one that overfills offers), the rounding never gives an
        /// offer more than its capacity nor a request more than it asked, only assigns admissible
        /// pairs, and leaves demand unserved only where every admissible offer is full.
        #[test]
        fn rounding_never_exceeds_a_capacity((c, plan, demand, capacity) in problem()) {
            let a = round(&c, &plan, &demand, &capacity);
            let mut used = vec![0u64; capacity.len()];
            for (i, list) in a.assigned.iter().enumerate() {
                let got: u64 = list.iter().map(|(_, u)| u).sum();
                prop_assert_eq!(got + a.unserved[i], demand[i]);
                for &(j, u) in list {
                    prop_assert!(c.col[c.row_ptr[i]..c.row_ptr[i + 1]].contains(&(j as u32)));
                    used[j] += u;
                }
            }
            for j in 0..capacity.len() {
                prop_assert!(used[j] <= capacity[j], "offer {} holds {} of {}", j, used[j], capacity[j]);
            }
            for i in 0..demand.len() {
                if a.unserved[i] > 0 {
                    for k in c.row_ptr[i]..c.row_ptr[i + 1] {
                        let j = c.col[k] as usize;
                        prop_assert_eq!(used[j], capacity[j], "request {} unserved beside room", i);
                    }
                }
            }
        }
    }
}
