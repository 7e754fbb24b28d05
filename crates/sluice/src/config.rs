//! Configuration of `sluice serve`: defaults, the optional TOML file,
//! validation. Precedence: command-line flag or environment variable, then
//! the config file, then the embedded defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

/// The embedded default configuration, printed by `sluice default-config`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("default-config.toml");

/// Values that may appear in the config file; all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub region: Option<String>,
    pub account_id: Option<String>,
}

/// The resolved, validated configuration of one node.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub region: String,
    pub account_id: String,
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
}

pub fn resolve(overrides: Overrides, file: Option<FileConfig>) -> anyhow::Result<ServeConfig> {
    let file = file.unwrap_or_default();
    let defaults = FileConfig::defaults();
    let pick = |cli: Option<String>, file: Option<String>, default: Option<String>| {
        cli.or(file).or(default).expect("the embedded default config sets every key")
    };
    let listen_text = pick(overrides.listen, file.listen, defaults.listen);
    let listen: SocketAddr = listen_text
        .parse()
        .with_context(|| format!("invalid listen address {listen_text:?}: expected IP:PORT, e.g. 127.0.0.1:9324"))?;
    let data_dir = overrides.data_dir.or(file.data_dir).or(defaults.data_dir).expect("default data_dir is set");
    let region = pick(overrides.region, file.region, defaults.region);
    let account_id = pick(overrides.account_id, file.account_id, defaults.account_id);
    validate_region(&region)?;
    validate_account_id(&account_id)?;
    Ok(ServeConfig { listen, data_dir, region, account_id })
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

    #[test]
    fn defaults_apply_without_file() {
        let config = resolve(Overrides::default(), None).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9324");
        assert_eq!(config.data_dir, PathBuf::from("./sluice-data"));
        assert_eq!(config.region, "us-east-1");
        assert_eq!(config.account_id, "000000000000");
    }

    #[test]
    fn flag_beats_file() {
        let file = FileConfig { region: Some("eu-west-1".into()), listen: Some("127.0.0.1:1".into()), ..Default::default() };
        let overrides = Overrides { listen: Some("127.0.0.1:2".into()), ..Default::default() };
        let config = resolve(overrides, Some(file)).unwrap();
        assert_eq!(config.listen.port(), 2, "the flag wins over the file");
        assert_eq!(config.region, "eu-west-1", "the file wins over the default");
    }

    #[test]
    fn invalid_values_rejected() {
        let bad_listen = Overrides { listen: Some("localhost".into()), ..Default::default() };
        assert!(resolve(bad_listen, None).is_err());
        let bad_account = Overrides { account_id: Some("123".into()), ..Default::default() };
        assert!(resolve(bad_account, None).is_err());
        let bad_region = Overrides { region: Some("US East".into()), ..Default::default() };
        assert!(resolve(bad_region, None).is_err());
    }

    #[test]
    fn unknown_file_key_rejected() {
        assert!(toml::from_str::<FileConfig>("listen = \"127.0.0.1:1\"\nport = 3").is_err());
    }
}
