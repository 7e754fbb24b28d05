//! Node-level tests: real RocksDB in a temporary directory, real Raft thread.

use std::collections::BTreeMap;

use sluice_queue::{
    CatalogCommand, CatalogOutcome, NewMessage, PartitionCommand, PartitionOutcome, QueueKey, ReceiveRequest,
};

use crate::{NoTransport, Node, NodeConfig};

fn key(name: &str) -> QueueKey {
    QueueKey { account_id: "000000000000".into(), region: "us-east-1".into(), name: name.into() }
}

fn create(name: &str) -> CatalogCommand {
    CatalogCommand::CreateQueue {
        key: key(name),
        fifo: false,
        requested: BTreeMap::new(),
        attributes: BTreeMap::new(),
        tags: BTreeMap::new(),
        replicas: vec![vec![1]],
    }
}

fn send(id: &str) -> PartitionCommand {
    let message = NewMessage {
        message_id: id.into(),
        body: format!("body {id}"),
        body_md5: String::new(),
        attributes: Vec::new(),
        sender_id: "000000000000".into(),
        trace_header: None,
        group_id: None,
        deduplication_id: None,
        delay_ms: 0,
    };
    PartitionCommand::Send { fifo: false, deduplicate_per_group: false, messages: vec![message] }
}

fn receive_all() -> PartitionCommand {
    PartitionCommand::Receive(ReceiveRequest {
        fifo: false,
        max_messages: 10,
        visibility_timeout_ms: 60_000,
        retention_ms: 3_600_000,
        attempt_id: None,
        max_receive_count: None,
    })
}

async fn create_queue(node: &Node, name: &str) -> u64 {
    match node.propose_catalog(create(name)).await.unwrap().unwrap() {
        CatalogOutcome::Queue(meta) => meta.partition_groups[0],
        other => panic!("expected a queue, got {other:?}"),
    }
}

#[tokio::test]
async fn state_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let group_id = {
        let node = Node::start(NodeConfig::new(dir.path().to_path_buf()), Box::new(NoTransport)).unwrap();
        let group_id = create_queue(&node, "q").await;
        for id in ["a", "b", "c"] {
            node.propose_partition(group_id, send(id)).await.unwrap().unwrap();
        }
        group_id
    };
    let node = Node::start(NodeConfig::new(dir.path().to_path_buf()), Box::new(NoTransport)).unwrap();
    assert!(node.catalog().queue(&key("q")).is_some(), "the catalog is recovered");
    let partition = node.partition(group_id).expect("the partition group is reopened");
    assert_eq!(partition.read().len(), 3, "all acknowledged sends are recovered");
    let outcome = node.propose_partition(group_id, receive_all()).await.unwrap().unwrap();
    let PartitionOutcome::Received(views) = outcome else { panic!("expected Received, got {outcome:?}") };
    assert_eq!(views.len(), 3, "the recovered node accepts new proposals");
}

#[tokio::test]
async fn snapshot_then_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NodeConfig::new(dir.path().to_path_buf());
    config.snapshot_interval_entries = 5;
    let group_id = {
        let node = Node::start(config.clone(), Box::new(NoTransport)).unwrap();
        let group_id = create_queue(&node, "q").await;
        for index in 0..23 {
            node.propose_partition(group_id, send(&index.to_string())).await.unwrap().unwrap();
        }
        group_id
    };
    let node = Node::start(config, Box::new(NoTransport)).unwrap();
    let partition = node.partition(group_id).expect("the partition group is reopened");
    assert_eq!(partition.read().len(), 23, "snapshot plus the log after it restore every message");
}

#[tokio::test]
async fn deleted_queue_stays_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let group_id = {
        let node = Node::start(NodeConfig::new(dir.path().to_path_buf()), Box::new(NoTransport)).unwrap();
        let group_id = create_queue(&node, "q").await;
        node.propose_partition(group_id, send("a")).await.unwrap().unwrap();
        node.propose_catalog(CatalogCommand::DeleteQueue { key: key("q"), request_id: "r1".into() }).await.unwrap().unwrap();
        assert!(node.partition(group_id).is_none(), "the partition group is removed at once");
        group_id
    };
    let node = Node::start(NodeConfig::new(dir.path().to_path_buf()), Box::new(NoTransport)).unwrap();
    assert!(node.catalog().queue(&key("q")).is_none());
    assert!(node.partition(group_id).is_none(), "replay does not bring the group back");
}

#[tokio::test]
async fn concurrent_proposals_all_apply() {
    let dir = tempfile::tempdir().unwrap();
    let node = std::sync::Arc::new(Node::start(NodeConfig::new(dir.path().to_path_buf()), Box::new(NoTransport)).unwrap());
    let group_id = create_queue(&node, "q").await;
    let mut tasks = Vec::new();
    for index in 0..200 {
        let node = node.clone();
        tasks.push(tokio::spawn(async move { node.propose_partition(group_id, send(&index.to_string())).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap().unwrap();
    }
    assert_eq!(node.partition(group_id).unwrap().read().len(), 200);
}
