//! Placement of new partitions' replicas on the cluster's nodes.

use std::collections::BTreeMap;

/// Chooses the replicas of `partitions` new partitions among `members`.
///
/// Each partition gets `min(replication_factor, members.len())` distinct
/// nodes. The first node of each list, the preferred leader, is the node
/// with the fewest preferred leaderships so far; the other replicas go to the
/// nodes with the fewest replicas. Ties go to the lower node id, so every
/// proposer computes the same placement from the same catalog. `load` is
/// [`crate::Catalog::replica_load`] and is updated as partitions are placed.
pub fn place_partitions(
    members: &[u64],
    load: &BTreeMap<u64, (usize, usize)>,
    partitions: usize,
    replication_factor: usize,
) -> Vec<Vec<u64>> {
    assert!(!members.is_empty(), "placement needs at least one member");
    let replicas_per_partition = replication_factor.clamp(1, members.len());
    let mut load: BTreeMap<u64, (usize, usize)> =
        members.iter().map(|&node_id| (node_id, load.get(&node_id).copied().unwrap_or_default())).collect();
    let mut placement = Vec::with_capacity(partitions);
    for _ in 0..partitions {
        let leader = *members
            .iter()
            .min_by_key(|&&node_id| (load[&node_id].1, load[&node_id].0, node_id))
            .expect("members is not empty");
        let mut others: Vec<u64> = members.iter().copied().filter(|&node_id| node_id != leader).collect();
        others.sort_by_key(|&node_id| (load[&node_id].0, node_id));
        let mut replicas = vec![leader];
        replicas.extend(others.into_iter().take(replicas_per_partition - 1));
        for (position, node_id) in replicas.iter().enumerate() {
            let entry = load.get_mut(node_id).expect("replicas are members");
            entry.0 += 1;
            if position == 0 {
                entry.1 += 1;
            }
        }
        placement.push(replicas);
    }
    placement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_node_places_everything_locally() {
        assert_eq!(place_partitions(&[1], &BTreeMap::new(), 2, 3), vec![vec![1], vec![1]]);
    }

    #[test]
    fn leaders_spread_over_nodes() {
        let placement = place_partitions(&[1, 2, 3], &BTreeMap::new(), 3, 3);
        let leaders: Vec<u64> = placement.iter().map(|replicas| replicas[0]).collect();
        assert_eq!(leaders, vec![1, 2, 3], "each node leads one partition");
        for replicas in &placement {
            assert_eq!(replicas.len(), 3, "replication factor 3 on 3 nodes");
        }
    }

    #[test]
    fn existing_load_is_respected() {
        let load = BTreeMap::from([(1, (5, 5)), (2, (5, 0)), (3, (0, 0))]);
        let placement = place_partitions(&[1, 2, 3, 4], &load, 1, 2);
        assert_eq!(placement, vec![vec![3, 4]], "least-loaded leader, then least-loaded replica");
    }

    #[test]
    fn replication_factor_capped_by_members() {
        let placement = place_partitions(&[1, 2], &BTreeMap::new(), 1, 3);
        assert_eq!(placement[0].len(), 2);
    }
}
