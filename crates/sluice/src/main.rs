//! `sluice`: a replicated message queue that speaks the Amazon SQS API.

mod config;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sluice_gateway::{Gateway, GatewayConfig};
use sluice_replication::{NoTransport, Node, NodeConfig};
use tracing::info;

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
    Serve(ServeArgs),
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        CliCommand::DefaultConfig => {
            print!("{}", config::DEFAULT_CONFIG_TOML);
            Ok(())
        }
        CliCommand::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let file = args.config.as_deref().map(config::FileConfig::load).transpose()?;
    let overrides = config::Overrides {
        listen: args.listen,
        data_dir: args.data_dir,
        region: args.region,
        account_id: args.account_id,
    };
    let config = config::resolve(overrides, file)?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;

    info!(data_dir = %config.data_dir.display(), "recovering raft groups");
    let node = Node::start(NodeConfig::new(config.data_dir.clone()), Box::new(NoTransport)).context("starting the replication layer")?;
    let gateway_config = GatewayConfig {
        default_region: config.region.clone(),
        account_id: config.account_id.clone(),
        listen_host: config.listen.to_string(),
        partitions_per_queue: 1,
        proposal_timeout: Duration::from_secs(10),
    };
    let node = Arc::new(node);
    let gateway = Arc::new(Gateway::new(gateway_config, node.clone()));

    let runtime = tokio::runtime::Runtime::new().context("starting the tokio runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding the SQS endpoint to {}", config.listen))?;
        info!(endpoint = %format!("http://{}", config.listen), "sluice is ready");
        axum::serve(listener, sluice_gateway::router(gateway))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving HTTP")
    })?;
    info!("shutting down");
    drop(node);
    Ok(())
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
