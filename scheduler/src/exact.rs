//! The exact transport optimum for small problems with whole-number masses: min-cost flow by
//! successive shortest paths (Bellman–Ford on the residual graph). The reference the Sinkhorn
//! tests hold the entropic plan against; O(mass · V · E), so for tests and small checks only.

use crate::ot::SparseCost;

struct Edge {
    to: usize,
    cap: u64,
    cost: f64,
}

/// The least `⟨C, P⟩` over plans on `c`'s entries with row sums `a` and column sums `b`, or
/// `None` when no plan moves all the mass.
pub fn min_cost(c: &SparseCost, a: &[u64], b: &[u64]) -> Option<f64> {
    let (n, m) = (c.rows, c.cols);
    let (source, sink) = (n + m, n + m + 1);
    let mut edges: Vec<Edge> = Vec::new();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n + m + 2];
    let mut add = |from: usize, to: usize, cap: u64, cost: f64| {
        out[from].push(edges.len());
        edges.push(Edge { to, cap, cost });
        out[to].push(edges.len());
        edges.push(Edge {
            to: from,
            cap: 0,
            cost: -cost,
        });
    };
    let supply: u64 = a.iter().sum();
    if supply != b.iter().sum::<u64>() {
        return None;
    }
    for (i, &ai) in a.iter().enumerate() {
        add(source, i, ai, 0.0);
        for k in c.row_ptr[i]..c.row_ptr[i + 1] {
            add(i, n + c.col[k] as usize, supply, c.cost[k]);
        }
    }
    for (j, &bj) in b.iter().enumerate() {
        add(n + j, sink, bj, 0.0);
    }
    let mut moved = 0;
    let mut total = 0.0;
    while moved < supply {
        // Bellman–Ford from the source over edges with residual capacity.
        let mut dist = vec![f64::INFINITY; n + m + 2];
        let mut via = vec![usize::MAX; n + m + 2];
        dist[source] = 0.0;
        for _ in 0..n + m + 2 {
            let mut changed = false;
            for u in 0..n + m + 2 {
                if dist[u] == f64::INFINITY {
                    continue;
                }
                for &e in &out[u] {
                    let edge = &edges[e];
                    if edge.cap > 0 && dist[u] + edge.cost < dist[edge.to] - 1e-12 {
                        dist[edge.to] = dist[u] + edge.cost;
                        via[edge.to] = e;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if dist[sink] == f64::INFINITY {
            return None;
        }
        let mut push = supply - moved;
        let mut v = sink;
        while v != source {
            let e = via[v];
            push = push.min(edges[e].cap);
            v = edges[e ^ 1].to;
        }
        let mut v = sink;
        while v != source {
            let e = via[v];
            edges[e].cap -= push;
            edges[e ^ 1].cap += push;
            v = edges[e ^ 1].to;
        }
        moved += push;
        total += push as f64 * dist[sink];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_optimum_of_a_known_problem() {
        // Two rows, two columns: crossing is cheaper for row 0 only.
        let rows = vec![vec![(0, 4.0), (1, 1.0)], vec![(0, 2.0), (1, 3.0)]];
        let c = SparseCost::from_rows(2, &rows).unwrap();
        // Row 0 sends 2 to col 1 (2), row 1 sends 2 to col 0 (4) and 1 to col 1 (3).
        assert_eq!(min_cost(&c, &[2, 3], &[2, 3]), Some(9.0));
        assert_eq!(min_cost(&c, &[2, 3], &[2, 2]), None);
        let hole = SparseCost::from_rows(2, &[vec![(0, 1.0)]]).unwrap();
        assert_eq!(min_cost(&hole, &[2], &[1, 1]), None);
    }
}
