//! `sluice`: a replicated message queue that speaks the Amazon SQS API.

mod config;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use sluice_gateway::{Gateway, GatewayConfig};
use sluice_cluster::{GrpcTransport, NodeHandle, Peers, Router};
use sluice_replication::{NoTransport, Node, NodeConfig, Transport};
use tracing::{error, info, warn};

#[derive(Parser)]
#[command(name = "sluice", version, about = "A replicated message queue that speaks the Amazon SQS API.")]
struct Cli {
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Subcommand)]
enum CliCommand {
    /// Run a node: the SQS endpoint (AWS JSON 1.0 and Query protocols) over a
    /// Raft- and RocksDB-backed store.
    Serve(Box<ServeArgs>),
    /// Print the embedded default configuration file.
    DefaultConfig,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// TOML config file; flags and environment variables override its values.
    #[arg(long, env = "SLUICE_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Address of the SQS HTTP endpoint, as IP:PORT [default: 127.0.0.1:9324].
    #[arg(long, env = "SLUICE_LISTEN", value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Directory of the node's data (RocksDB); created if missing [default: ./sluice-data].
    #[arg(long, env = "SLUICE_DATA_DIR", value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// Region of requests whose SigV4 credential scope names none [default: us-east-1].
    #[arg(long, env = "SLUICE_REGION", value_name = "REGION")]
    region: Option<String>,
    /// 12-digit account id in queue URLs and ARNs [default: 000000000000].
    #[arg(long, env = "SLUICE_ACCOUNT_ID", value_name = "ID")]
    account_id: Option<String>,
    /// Raft id of this node, 1 or more [default: 1].
    #[arg(long, env = "SLUICE_NODE_ID", value_name = "N")]
    node_id: Option<u64>,
    /// Take the node id from a hostname ending in -N (a StatefulSet pod ordinal): node id N + 1.
    #[arg(long, env = "SLUICE_NODE_ID_FROM_HOSTNAME")]
    node_id_from_hostname: bool,
    /// Address of the node-to-node gRPC server, as IP:PORT; required with peers.
    #[arg(long, env = "SLUICE_GRPC_LISTEN", value_name = "ADDR:PORT")]
    grpc_listen: Option<String>,
    /// An initial cluster member as ID=HOST:GRPC_PORT; repeat for every member, this node included.
    #[arg(long = "peer", env = "SLUICE_PEERS", value_name = "ID=HOST:PORT", value_delimiter = ',')]
    peers: Vec<String>,
    /// Partitions of a new queue; a queue's sluice:partitions tag overrides it [default: 1].
    #[arg(long, env = "SLUICE_PARTITIONS", value_name = "N")]
    partitions: Option<u32>,
    /// Replicas of each partition, capped by the number of members [default: 3].
    #[arg(long, env = "SLUICE_REPLICATION_FACTOR", value_name = "N")]
    replication_factor: Option<usize>,
    /// Applied log entries after which a Raft group is snapshotted and its log truncated [default: 10000].
    #[arg(long, env = "SLUICE_SNAPSHOT_INTERVAL", value_name = "ENTRIES")]
    snapshot_interval: Option<u64>,
}

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    let cli = Cli::parse();
    match cli.command {
        CliCommand::DefaultConfig => {
            print!("{}", config::DEFAULT_CONFIG_TOML);
            Ok(())
        }
        CliCommand::Serve(args) => serve(*args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // A panic anywhere stops the node (fail-stop): a half-working replica is
    // worse for the cluster than a dead one.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        std::process::abort();
    }));
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let file = args.config.as_deref().map(config::FileConfig::load).transpose()?;
    let overrides = config::Overrides {
        listen: args.listen,
        data_dir: args.data_dir,
        region: args.region,
        account_id: args.account_id,
        node_id: args.node_id,
        node_id_from_hostname: args.node_id_from_hostname,
        grpc_listen: args.grpc_listen,
        peers: args.peers,
        partitions: args.partitions,
        replication_factor: args.replication_factor,
        snapshot_interval: args.snapshot_interval,
    };
    let hostname = std::env::var("HOSTNAME").unwrap_or_default();
    let config = config::resolve(overrides, file, &hostname)?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let runtime = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;

    let members: Vec<u64> = if config.peers.is_empty() { vec![config.node_id] } else { config.peers.keys().copied().collect() };
    let peers = Peers::new(config.peers.clone());
    let node_handle = NodeHandle::default();
    let transport: Box<dyn Transport> = if members.len() > 1 {
        Box::new(GrpcTransport::start(config.node_id, peers.clone(), runtime.handle().clone(), node_handle.clone()))
    } else {
        Box::new(NoTransport)
    };
    info!(node_id = config.node_id, ?members, data_dir = %config.data_dir.display(), "recovering raft groups");
    let mut node_config = NodeConfig::new(config.data_dir.clone());
    node_config.node_id = config.node_id;
    node_config.members = members.clone();
    node_config.snapshot_interval_entries = config.snapshot_interval;
    let node = Arc::new(Node::start(node_config, transport).context("starting the replication layer")?);
    release_free_memory();
    node_handle.set(Arc::downgrade(&node)).expect("the node handle is set once");

    let proposal_timeout = Duration::from_secs(10);
    let router = Router::new(node.clone(), peers, proposal_timeout);
    let gateway_config = GatewayConfig {
        default_region: config.region.clone(),
        account_id: config.account_id.clone(),
        listen_host: config.listen.to_string(),
        partitions_per_queue: config.partitions,
        replication_factor: config.replication_factor,
        members,
        proposal_timeout,
    };
    let gateway = Arc::new(Gateway::new(gateway_config, router));

    runtime.spawn(sluice_gateway::run_dead_letter_mover(gateway.clone()));
    runtime.spawn(sluice_gateway::run_move_task_mover(gateway.clone()));
    runtime.block_on(async move {
        if let Some(grpc_listen) = config.grpc_listen {
            let grpc = sluice_cluster::serve(node.clone(), grpc_listen, shutdown_signal());
            tokio::spawn(async move {
                if let Err(error) = grpc.await {
                    error!(%error, "the gRPC server failed; stopping");
                    std::process::exit(1);
                }
            });
        }
        // Without TCP_NODELAY a response split over two segments can wait for
        // the client's delayed ACK, tens of milliseconds on Linux.
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding the SQS endpoint to {}", config.listen))?
            .tap_io(|stream| {
                if let Err(error) = stream.set_nodelay(true) {
                    warn!(%error, "cannot set TCP_NODELAY on an SQS connection");
                }
            });
        info!(endpoint = %format!("http://{}", config.listen), "sluice is ready");
        axum::serve(listener, sluice_gateway::router(gateway))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving HTTP")
    })?;
    info!("shut down");
    Ok(())
}

/// Limits glibc to two malloc arenas unless the environment sets glibc's own
/// `MALLOC_ARENA_MAX`. By default glibc gives allocating threads their own
/// heaps ("arenas") and keeps freed memory in each. With RocksDB's threads,
/// the HTTP workers and the Raft thread, a node restarted with a 10-million
/// message backlog was resident at 199 MiB that way, and at 55 MiB with two
/// arenas. Must run before any thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only changes allocator settings; no thread exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Returns the heap memory that recovery freed to the operating system.
/// Replaying the WAL and the Raft log after a crash allocates and frees a
/// few hundred MiB, which glibc would otherwise keep for later allocations.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the heap to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}
