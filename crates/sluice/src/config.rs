//! Configuration of `sluice serve`: defaults, the optional TOML file,
//! validation. Precedence: command-line flag or environment variable, then
//! the config file, then the embedded defaults.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

/// The embedded default configuration, printed by `sluice default-config`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("default-config.toml");

/// Most partitions a queue may have by default.
const PARTITIONS_MAX: u32 = 64;

/// Values that may appear in the config file; all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub node_id: Option<u64>,
    pub node_id_from_hostname: Option<bool>,
    pub grpc_listen: Option<String>,
    pub peers: Option<Vec<String>>,
    pub partitions: Option<u32>,
    pub replication_factor: Option<usize>,
    pub snapshot_interval: Option<u64>,
}

/// The resolved, validated configuration of one node.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub region: String,
    pub account_id: String,
    pub node_id: u64,
    /// gRPC server address; `None` for a one-node cluster without one.
    pub grpc_listen: Option<SocketAddr>,
    /// Every member's gRPC address by node id, this node included.
    pub peers: BTreeMap<u64, String>,
    pub partitions: u32,
    pub replication_factor: usize,
    /// Applied entries between snapshots of a Raft group.
    pub snapshot_interval: u64,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
    }

    fn defaults() -> FileConfig {
        toml::from_str(DEFAULT_CONFIG_TOML).expect("the embedded default config must parse")
    }
}

/// Overrides from the command line or the environment.
#[derive(Debug, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub node_id: Option<u64>,
    pub node_id_from_hostname: bool,
    pub grpc_listen: Option<String>,
    pub peers: Vec<String>,
    pub partitions: Option<u32>,
    pub replication_factor: Option<usize>,
    pub snapshot_interval: Option<u64>,
}

pub fn resolve(overrides: Overrides, file: Option<FileConfig>, hostname: &str) -> anyhow::Result<ServeConfig> {
    let file = file.unwrap_or_default();
    let defaults = FileConfig::defaults();
    let listen_text = overrides.listen.or(file.listen).or(defaults.listen).expect("default listen is set");
    let listen = parse_address("listen", &listen_text)?;
    let data_dir = overrides.data_dir.or(file.data_dir).or(defaults.data_dir).expect("default data_dir is set");
    let region = overrides.region.or(file.region).or(defaults.region).expect("default region is set");
    let account_id = overrides.account_id.or(file.account_id).or(defaults.account_id).expect("default account_id is set");
    validate_region(&region)?;
    validate_account_id(&account_id)?;

    let from_hostname = overrides.node_id_from_hostname || file.node_id_from_hostname.unwrap_or(false);
    let node_id = if from_hostname {
        node_id_from_hostname(hostname)?
    } else {
        overrides.node_id.or(file.node_id).or(defaults.node_id).expect("default node_id is set")
    };
    if node_id == 0 {
        bail!("invalid node id 0: node ids start at 1");
    }
    let grpc_listen = overrides.grpc_listen.or(file.grpc_listen);
    let grpc_listen = grpc_listen.map(|text| parse_address("grpc-listen", &text)).transpose()?;
    let peer_texts = if overrides.peers.is_empty() { file.peers.unwrap_or_default() } else { overrides.peers };
    let mut peers = parse_peers(&peer_texts)?;
    if !peers.is_empty() && !peers.contains_key(&node_id) {
        bail!("node id {node_id} is not among the peers {:?}: list every member, this node included", peers.keys());
    }
    if let Some(address) = grpc_listen {
        peers.entry(node_id).or_insert_with(|| address.to_string());
    }
    if peers.len() > 1 && grpc_listen.is_none() {
        bail!("a node with peers needs --grpc-listen, the address of its node-to-node gRPC server");
    }
    let partitions = overrides.partitions.or(file.partitions).or(defaults.partitions).expect("default partitions is set");
    if !(1..=PARTITIONS_MAX).contains(&partitions) {
        bail!("invalid partitions {partitions}: expected 1 to {PARTITIONS_MAX}");
    }
    let replication_factor = overrides
        .replication_factor
        .or(file.replication_factor)
        .or(defaults.replication_factor)
        .expect("default replication_factor is set");
    if replication_factor == 0 {
        bail!("invalid replication factor 0: expected 1 or more");
    }
    let snapshot_interval = overrides
        .snapshot_interval
        .or(file.snapshot_interval)
        .or(defaults.snapshot_interval)
        .expect("default snapshot_interval is set");
    if snapshot_interval == 0 {
        bail!("invalid snapshot interval 0: expected 1 or more applied entries");
    }
    Ok(ServeConfig {
        listen,
        data_dir,
        region,
        account_id,
        node_id,
        grpc_listen,
        peers,
        partitions,
        replication_factor,
        snapshot_interval,
    })
}

fn parse_address(name: &str, text: &str) -> anyhow::Result<SocketAddr> {
    text.parse().with_context(|| format!("invalid {name} address {text:?}: expected IP:PORT, e.g. 127.0.0.1:9324"))
}

/// Parses `ID=HOST:PORT` entries.
fn parse_peers(texts: &[String]) -> anyhow::Result<BTreeMap<u64, String>> {
    let mut peers = BTreeMap::new();
    for text in texts {
        let Some((id, address)) = text.split_once('=') else {
            bail!("invalid peer {text:?}: expected ID=HOST:PORT, e.g. 2=sluice-1.sluice:9325");
        };
        let id: u64 = id.trim().parse().with_context(|| format!("invalid peer id in {text:?}: expected a number"))?;
        if id == 0 {
            bail!("invalid peer {text:?}: node ids start at 1");
        }
        if !address.contains(':') {
            bail!("invalid peer address in {text:?}: expected HOST:PORT");
        }
        if peers.insert(id, address.trim().to_string()).is_some() {
            bail!("peer id {id} is listed twice");
        }
    }
    Ok(peers)
}

/// `sluice-2` (or `sluice-2.sluice.default.svc`) is ordinal 2, node id 3.
fn node_id_from_hostname(hostname: &str) -> anyhow::Result<u64> {
    let short = hostname.split('.').next().unwrap_or_default();
    let ordinal = short.rsplit_once('-').and_then(|(_, ordinal)| ordinal.parse::<u64>().ok());
    match ordinal {
        Some(ordinal) => Ok(ordinal + 1),
        None => bail!("hostname {hostname:?} does not end in -N, so no node id can be taken from it"),
    }
}

fn validate_region(region: &str) -> anyhow::Result<()> {
    let valid = !region.is_empty() && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        bail!("invalid region {region:?}: expected lowercase letters, digits and dashes, e.g. us-east-1");
    }
    Ok(())
}

fn validate_account_id(account_id: &str) -> anyhow::Result<()> {
    if account_id.len() != 12 || !account_id.chars().all(|c| c.is_ascii_digit()) {
        bail!("invalid account id {account_id:?}: expected 12 digits, e.g. 000000000000");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_default(overrides: Overrides) -> anyhow::Result<ServeConfig> {
        resolve(overrides, None, "localhost")
    }

    #[test]
    fn defaults_apply_without_file() {
        let config = resolve_default(Overrides::default()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9324");
        assert_eq!(config.data_dir, PathBuf::from("./sluice-data"));
        assert_eq!(config.region, "us-east-1");
        assert_eq!(config.account_id, "000000000000");
        assert_eq!(config.node_id, 1);
        assert!(config.peers.is_empty(), "no peers: a one-node cluster");
        assert_eq!(config.grpc_listen, None);
    }

    #[test]
    fn flag_beats_file() {
        let file = FileConfig { region: Some("eu-west-1".into()), listen: Some("127.0.0.1:1".into()), ..Default::default() };
        let overrides = Overrides { listen: Some("127.0.0.1:2".into()), ..Default::default() };
        let config = resolve(overrides, Some(file), "localhost").unwrap();
        assert_eq!(config.listen.port(), 2, "the flag wins over the file");
        assert_eq!(config.region, "eu-west-1", "the file wins over the default");
    }

    #[test]
    fn invalid_values_rejected() {
        let bad_listen = Overrides { listen: Some("localhost".into()), ..Default::default() };
        assert!(resolve_default(bad_listen).is_err());
        let bad_account = Overrides { account_id: Some("123".into()), ..Default::default() };
        assert!(resolve_default(bad_account).is_err());
        let bad_region = Overrides { region: Some("US East".into()), ..Default::default() };
        assert!(resolve_default(bad_region).is_err());
        let bad_peer = Overrides { peers: vec!["two=127.0.0.1:1".into()], ..Default::default() };
        assert!(resolve_default(bad_peer).is_err());
    }

    #[test]
    fn unknown_file_key_rejected() {
        assert!(toml::from_str::<FileConfig>("listen = \"127.0.0.1:1\"\nport = 3").is_err());
    }

    #[test]
    fn statefulset_arguments() {
        let peers: Vec<String> = (0..3).map(|ordinal| format!("{}=sluice-{ordinal}.sluice:9325", ordinal + 1)).collect();
        let overrides = Overrides {
            node_id_from_hostname: true,
            grpc_listen: Some("0.0.0.0:9325".into()),
            peers,
            ..Default::default()
        };
        let config = resolve(overrides, None, "sluice-2").unwrap();
        assert_eq!(config.node_id, 3, "ordinal 2 is node 3");
        assert_eq!(config.peers.len(), 3);
        assert_eq!(config.peers[&3], "sluice-2.sluice:9325", "the peer list names this node's address");
    }

    #[test]
    fn peers_must_include_self() {
        let overrides = Overrides {
            node_id: Some(4),
            grpc_listen: Some("127.0.0.1:9325".into()),
            peers: vec!["1=127.0.0.1:9325".into(), "2=127.0.0.1:9326".into()],
            ..Default::default()
        };
        assert!(resolve_default(overrides).is_err());
    }
}
