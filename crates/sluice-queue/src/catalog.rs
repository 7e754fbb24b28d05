//! The queue catalog, applied from the metadata Raft group: which queues
//! exist, their attributes and tags, and the Raft group of each partition.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{MoveTask, MoveTaskStatus, QueueError, TimestampMs, MOVE_TASKS_PER_SOURCE_MAX, QUEUE_RECREATE_DELAY_MS};

/// Attributes that have no default and are removed by setting them empty.
const REMOVABLE_ATTRIBUTES: [&str; 5] =
    ["Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"];

/// Queues are namespaced by account and region; the name is unique within them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QueueKey {
    pub account_id: String,
    pub region: String,
    pub name: String,
}

/// One queue's catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMeta {
    pub key: QueueKey,
    pub fifo: bool,
    /// Every settable attribute with its current value, defaults included.
    pub attributes: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub created_ms: TimestampMs,
    pub last_modified_ms: TimestampMs,
    /// Raft group id of each partition, in partition order.
    pub partition_groups: Vec<u64>,
    /// Node ids holding each partition's replicas, in partition order; the
    /// first node of each list is the preferred leader.
    pub partition_replicas: Vec<Vec<u64>>,
}

/// A catalog change, proposed to the metadata group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CatalogCommand {
    /// CreateQueue. `requested` contains the attributes the client named, compared
    /// with an existing queue's, and `attributes` contains them merged with defaults.
    /// `replicas` has one list of node ids per partition, chosen by the proposer.
    CreateQueue {
        key: QueueKey,
        fifo: bool,
        requested: BTreeMap<String, String>,
        attributes: BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
        replicas: Vec<Vec<u64>>,
    },
    /// DeleteQueue. `request_id` names the client request, so that the same
    /// command applied again (a retry after a failover) succeeds again.
    DeleteQueue { key: QueueKey, request_id: String },
    SetQueueAttributes { key: QueueKey, attributes: BTreeMap<String, String> },
    TagQueue { key: QueueKey, tags: BTreeMap<String, String> },
    UntagQueue { key: QueueKey, tag_keys: Vec<String> },
    /// Replaces the Policy attribute if it still equals `expected` (absent
    /// counts as empty), so that concurrent AddPermission and
    /// RemovePermission calls never lose each other's statements.
    ReplacePolicy { key: QueueKey, expected: String, policy: String },
    /// StartMessageMoveTask; fails while the source has an active task.
    StartMoveTask { task: MoveTask },
    /// Progress of a task: messages moved since the last update, and a new
    /// status once the task completed, failed or finished cancelling.
    UpdateMoveTask { handle: String, moved: u64, status: Option<MoveTaskStatus>, failure_reason: Option<String> },
    /// CancelMessageMoveTask: a running task becomes CANCELLING.
    CancelMoveTask { handle: String },
}

/// The result of applying a [`CatalogCommand`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CatalogOutcome {
    /// The queue was created, or already existed with the requested attributes.
    Queue(QueueMeta),
    /// The queue was deleted; its partition groups are to be removed.
    Deleted { partition_groups: Vec<u64> },
    Updated,
    MoveTask(MoveTask),
}

/// The catalog state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    queues: BTreeMap<QueueKey, QueueMeta>,
    /// When each recently deleted queue was deleted, for QueueDeletedRecently.
    deleted_ms: BTreeMap<QueueKey, (TimestampMs, String)>,
    /// Next free Raft group id; group 0 is the metadata group itself.
    next_group_id: u64,
    /// Message move tasks by handle.
    move_tasks: BTreeMap<String, MoveTask>,
    next_move_task_sequence: u64,
}

impl Catalog {
    pub fn queue(&self, key: &QueueKey) -> Option<&QueueMeta> {
        self.queues.get(key)
    }

    /// Returns every queue of every account and region.
    pub fn queues(&self) -> impl Iterator<Item = &QueueMeta> {
        self.queues.values()
    }

    /// Queues of one account and region whose name starts with `prefix`, by name.
    pub fn list(&self, account_id: &str, region: &str, prefix: &str) -> Vec<&QueueMeta> {
        self.queues
            .values()
            .filter(|meta| {
                meta.key.account_id == account_id
                    && meta.key.region == region
                    && meta.key.name.starts_with(prefix)
            })
            .collect()
    }

    /// Returns every partition group with its replicas, for reopening groups at start-up.
    pub fn all_partition_groups(&self) -> Vec<(u64, Vec<u64>)> {
        self.queues
            .values()
            .flat_map(|meta| meta.partition_groups.iter().copied().zip(meta.partition_replicas.iter().cloned()))
            .collect()
    }

    /// Counts the partition replicas and preferred leaderships of each node,
    /// to place new partitions evenly.
    pub fn replica_load(&self) -> BTreeMap<u64, (usize, usize)> {
        let mut load: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
        for replicas in self.queues.values().flat_map(|meta| meta.partition_replicas.iter()) {
            for (position, node_id) in replicas.iter().enumerate() {
                let entry = load.entry(*node_id).or_default();
                entry.0 += 1;
                if position == 0 {
                    entry.1 += 1;
                }
            }
        }
        load
    }

    /// Returns the replicas of the partition group `group_id`.
    pub fn replicas_of(&self, group_id: u64) -> Option<&[u64]> {
        self.queues.values().find_map(|meta| {
            let position = meta.partition_groups.iter().position(|&group| group == group_id)?;
            Some(meta.partition_replicas[position].as_slice())
        })
    }

    /// Applies one committed command stamped `now_ms` by the leader.
    pub fn apply(
        &mut self,
        command: CatalogCommand,
        now_ms: TimestampMs,
    ) -> Result<CatalogOutcome, QueueError> {
        self.deleted_ms.retain(|_, (deleted, _)| now_ms < deleted.saturating_add(QUEUE_RECREATE_DELAY_MS));
        match command {
            CatalogCommand::CreateQueue { key, fifo, requested, attributes, tags, replicas } => {
                self.create(key, fifo, requested, attributes, tags, replicas, now_ms)
            }
            CatalogCommand::DeleteQueue { key, request_id } => {
                let Some(meta) = self.queues.remove(&key) else {
                    return match self.deleted_ms.get(&key) {
                        Some((_, deleted_by)) if *deleted_by == request_id => {
                            Ok(CatalogOutcome::Deleted { partition_groups: Vec::new() })
                        }
                        _ => Err(QueueError::QueueDoesNotExist),
                    };
                };
                self.deleted_ms.insert(key, (now_ms, request_id));
                Ok(CatalogOutcome::Deleted { partition_groups: meta.partition_groups })
            }
            CatalogCommand::SetQueueAttributes { key, attributes } => {
                let meta = self.queues.get_mut(&key).ok_or(QueueError::QueueDoesNotExist)?;
                for (name, value) in attributes {
                    // An empty value removes an optional attribute, as in AWS.
                    if value.is_empty() && REMOVABLE_ATTRIBUTES.contains(&name.as_str()) {
                        meta.attributes.remove(&name);
                    } else {
                        meta.attributes.insert(name, value);
                    }
                }
                meta.last_modified_ms = now_ms;
                Ok(CatalogOutcome::Updated)
            }
            CatalogCommand::TagQueue { key, tags } => {
                let meta = self.queues.get_mut(&key).ok_or(QueueError::QueueDoesNotExist)?;
                meta.tags.extend(tags);
                Ok(CatalogOutcome::Updated)
            }
            CatalogCommand::ReplacePolicy { key, expected, policy } => {
                let meta = self.queues.get_mut(&key).ok_or(QueueError::QueueDoesNotExist)?;
                let current = meta.attributes.get("Policy").map(String::as_str).unwrap_or_default();
                if current != expected {
                    return Err(QueueError::PolicyChanged);
                }
                if policy.is_empty() {
                    meta.attributes.remove("Policy");
                } else {
                    meta.attributes.insert("Policy".to_string(), policy);
                }
                meta.last_modified_ms = now_ms;
                Ok(CatalogOutcome::Updated)
            }
            CatalogCommand::StartMoveTask { task } => self.start_move_task(task, now_ms),
            CatalogCommand::UpdateMoveTask { handle, moved, status, failure_reason } => {
                let task = self.move_tasks.get_mut(&handle).ok_or(QueueError::MoveTaskNotFound(handle.clone()))?;
                task.moved += moved;
                if let (Some(status), true) = (status, task.status.is_active()) {
                    task.status = status;
                    task.failure_reason = failure_reason;
                }
                Ok(CatalogOutcome::MoveTask(task.clone()))
            }
            CatalogCommand::CancelMoveTask { handle } => {
                let task = self.move_tasks.get_mut(&handle).ok_or(QueueError::MoveTaskNotFound(handle.clone()))?;
                if task.status != MoveTaskStatus::Running {
                    return Err(QueueError::MoveTaskNotRunning(handle));
                }
                task.status = MoveTaskStatus::Cancelling;
                Ok(CatalogOutcome::MoveTask(task.clone()))
            }
            CatalogCommand::UntagQueue { key, tag_keys } => {
                let meta = self.queues.get_mut(&key).ok_or(QueueError::QueueDoesNotExist)?;
                for tag_key in &tag_keys {
                    meta.tags.remove(tag_key);
                }
                Ok(CatalogOutcome::Updated)
            }
        }
    }

    fn start_move_task(&mut self, mut task: MoveTask, now_ms: TimestampMs) -> Result<CatalogOutcome, QueueError> {
        let source_arn = task.source_arn.clone();
        if self.move_tasks.values().any(|other| other.source_arn == source_arn && other.status.is_active()) {
            return Err(QueueError::MoveTaskActive(source_arn));
        }
        task.started_ms = now_ms;
        task.sequence = self.next_move_task_sequence;
        self.next_move_task_sequence += 1;
        self.move_tasks.insert(task.handle.clone(), task.clone());
        // Keep the most recent tasks of this source only.
        let mut of_source: Vec<(u64, String)> = self
            .move_tasks
            .values()
            .filter(|other| other.source_arn == source_arn)
            .map(|other| (other.sequence, other.handle.clone()))
            .collect();
        of_source.sort();
        let excess = of_source.len().saturating_sub(MOVE_TASKS_PER_SOURCE_MAX);
        for (_, handle) in of_source.into_iter().take(excess) {
            self.move_tasks.remove(&handle);
        }
        Ok(CatalogOutcome::MoveTask(task))
    }

    /// Returns the tasks of one source queue, most recent first.
    pub fn move_tasks_of(&self, source_arn: &str) -> Vec<&MoveTask> {
        let mut tasks: Vec<&MoveTask> = self.move_tasks.values().filter(|task| task.source_arn == source_arn).collect();
        tasks.sort_by_key(|task| std::cmp::Reverse(task.sequence));
        tasks
    }

    /// Tasks that movers still work on.
    pub fn active_move_tasks(&self) -> Vec<MoveTask> {
        self.move_tasks.values().filter(|task| task.status.is_active()).cloned().collect()
    }

    pub fn move_task(&self, handle: &str) -> Option<&MoveTask> {
        self.move_tasks.get(handle)
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        key: QueueKey,
        fifo: bool,
        requested: BTreeMap<String, String>,
        attributes: BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
        replicas: Vec<Vec<u64>>,
        now_ms: TimestampMs,
    ) -> Result<CatalogOutcome, QueueError> {
        if let Some(existing) = self.queues.get(&key) {
            // AWS returns the existing queue when every named attribute has the
            // same value, and QueueAlreadyExists when any one differs.
            for (name, value) in &requested {
                if existing.attributes.get(name) != Some(value) {
                    return Err(QueueError::QueueAlreadyExists(format!(
                        "A queue already exists with the same name and a different value for attribute {name}"
                    )));
                }
            }
            return Ok(CatalogOutcome::Queue(existing.clone()));
        }
        if self.deleted_ms.contains_key(&key) {
            return Err(QueueError::QueueDeletedRecently);
        }
        assert!(!replicas.is_empty(), "a queue needs at least one partition");
        assert!(replicas.iter().all(|nodes| !nodes.is_empty()), "every partition needs a replica: {replicas:?}");
        let first_group = self.next_group_id.max(1);
        self.next_group_id = first_group + replicas.len() as u64;
        let meta = QueueMeta {
            key: key.clone(),
            fifo,
            attributes,
            tags,
            created_ms: now_ms,
            last_modified_ms: now_ms,
            partition_groups: (first_group..self.next_group_id).collect(),
            partition_replicas: replicas,
        };
        self.queues.insert(key, meta.clone());
        Ok(CatalogOutcome::Queue(meta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> QueueKey {
        QueueKey { account_id: "000000000000".into(), region: "us-east-1".into(), name: name.into() }
    }

    fn create(name: &str, visibility: &str) -> CatalogCommand {
        let attributes: BTreeMap<_, _> = [("VisibilityTimeout".to_string(), visibility.to_string())].into();
        CatalogCommand::CreateQueue {
            key: key(name),
            fifo: false,
            requested: attributes.clone(),
            attributes,
            tags: BTreeMap::new(),
            replicas: vec![vec![1]],
        }
    }

    #[test]
    fn create_is_idempotent() {
        let mut catalog = Catalog::default();
        let first = catalog.apply(create("q", "30"), 1_000).unwrap();
        let second = catalog.apply(create("q", "30"), 2_000).unwrap();
        assert_eq!(first, second, "same attributes must return the existing queue");
        let CatalogOutcome::Queue(meta) = first else { panic!("expected a queue") };
        assert_eq!(meta.partition_groups, vec![1]);
        assert_eq!(meta.created_ms, 1_000);
    }

    #[test]
    fn create_with_other_attributes_fails() {
        let mut catalog = Catalog::default();
        catalog.apply(create("q", "30"), 1_000).unwrap();
        let error = catalog.apply(create("q", "60"), 2_000).unwrap_err();
        assert!(matches!(error, QueueError::QueueAlreadyExists(_)), "got {error:?}");
    }

    #[test]
    fn recreate_waits_sixty_seconds() {
        let mut catalog = Catalog::default();
        catalog.apply(create("q", "30"), 0).unwrap();
        catalog.apply(CatalogCommand::DeleteQueue { key: key("q"), request_id: "r1".into() }, 1_000).unwrap();
        let repeated = catalog.apply(CatalogCommand::DeleteQueue { key: key("q"), request_id: "r1".into() }, 1_500);
        assert!(repeated.is_ok(), "the same DeleteQueue applied again succeeds: {repeated:?}");
        let other = catalog.apply(CatalogCommand::DeleteQueue { key: key("q"), request_id: "r2".into() }, 1_500);
        assert_eq!(other, Err(QueueError::QueueDoesNotExist), "another request finds no queue");
        assert_eq!(catalog.apply(create("q", "30"), 60_999), Err(QueueError::QueueDeletedRecently));
        let CatalogOutcome::Queue(meta) = catalog.apply(create("q", "30"), 61_000).unwrap() else {
            panic!("expected a queue")
        };
        assert_eq!(meta.partition_groups, vec![2], "a new queue gets a new group id");
    }

    #[test]
    fn set_attributes_updates_timestamp() {
        let mut catalog = Catalog::default();
        catalog.apply(create("q", "30"), 0).unwrap();
        let attributes = [("DelaySeconds".to_string(), "5".to_string())].into();
        catalog.apply(CatalogCommand::SetQueueAttributes { key: key("q"), attributes }, 5_000).unwrap();
        let meta = catalog.queue(&key("q")).unwrap();
        assert_eq!(meta.attributes["DelaySeconds"], "5");
        assert_eq!(meta.last_modified_ms, 5_000);
    }

    #[test]
    fn missing_queue_errors() {
        let mut catalog = Catalog::default();
        let result = catalog.apply(CatalogCommand::TagQueue { key: key("nope"), tags: BTreeMap::new() }, 0);
        assert_eq!(result, Err(QueueError::QueueDoesNotExist));
    }
}
