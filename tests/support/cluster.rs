//! Several `sluice serve` processes on 127.0.0.1 that form one cluster.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::error::DisplayErrorContext;

use crate::client::{sqs_client, sqs_client_with_timeouts, sqs_retrying_client, ACCOUNT_ID};
use crate::node::{die_with_parent_thread, free_port, read_tail, sluice_binary};

/// How long a starting node may take to respond to its first ListQueues.
/// ListQueues needs a leader of the metadata group, so this includes an
/// election.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between two readiness probes, and between two reads of a log.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long SIGSTOP may take to stop a process.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Lines of each node's stderr that a failure report shows.
const STDERR_TAIL_LINES: usize = 40;
/// The first line that each start of a node writes to its log files.
const START_MARKER: &str = "==== sluice start";

/// Settings of a cluster that a test starts.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// Number of nodes; node ids are 1 to `nodes`.
    pub nodes: u64,
    /// `--partitions`, the partition count of a new queue without the
    /// `sluice:partitions` tag; `None` keeps the server's default.
    pub partitions: Option<u32>,
    /// `--replication-factor`; `None` keeps the server's default.
    pub replication_factor: Option<usize>,
    /// `--snapshot-interval` in applied entries; `None` keeps the server's default.
    pub snapshot_interval: Option<u64>,
}

impl Default for ClusterConfig {
    fn default() -> ClusterConfig {
        ClusterConfig {
            nodes: 3,
            partitions: None,
            replication_factor: None,
            snapshot_interval: None,
        }
    }
}

/// What [`Cluster::restart`] does with the node's data directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataDir {
    /// Restart on the data the node had.
    Keep,
    /// Delete the data directory first, as if the node's disk was replaced.
    Empty,
}

/// One `raft role changed` line of a node's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleChange {
    /// The line's RFC 3339 UTC timestamp, which sorts as text.
    pub timestamp: String,
    pub group_id: u64,
    /// The leader id that the node logged, 0 for none.
    pub leader_id: u64,
    /// raft-rs's `StateRole`: `Leader`, `Follower`, `Candidate` or `PreCandidate`.
    pub role: String,
}

impl RoleChange {
    /// Returns the line's timestamp in milliseconds since the Unix epoch, or
    /// `None` when it is not of the form `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    pub fn unix_millis(&self) -> Option<u64> {
        parse_utc_millis(&self.timestamp)
    }
}

/// A cluster of `sluice serve` child processes in one temporary directory.
///
/// Node N gets a free HTTP port and a free gRPC port on 127.0.0.1 and the
/// directory `nodeN/` with `data/` (its `--data-dir`), `stdout.log` and
/// `stderr.log`. Each start appends to the logs after a
/// `==== sluice start K ====` line. Every node gets the same `--peer` list.
/// The children log at `info` without colors (`RUST_LOG=info`, `NO_COLOR=1`),
/// since [`Cluster::leader_of`] and [`Cluster::wait_for_log`] read those lines.
///
/// Methods take node ids (1 to [`ClusterConfig::nodes`]). Start, restart,
/// kill and stop nodes from the test's own thread (see [`crate::Node::start`]
/// for why). Dropping the cluster kills every node it started with SIGKILL,
/// by process id, and removes the directory unless `SLUICE_KEEP_DATA` is set.
pub struct Cluster {
    binary: PathBuf,
    dir: Option<tempfile::TempDir>,
    config: ClusterConfig,
    /// Index `node_id - 1`.
    members: Vec<Member>,
    /// Set when a panic message already showed the ends of the logs.
    failure_reported: bool,
}

struct Member {
    node_id: u64,
    http_port: u16,
    grpc_port: u16,
    child: Option<Child>,
    /// True between [`Cluster::stop`] and [`Cluster::cont`].
    stopped: bool,
    starts: u32,
}

impl Cluster {
    /// Starts every node with an empty data directory and waits until each
    /// responds to ListQueues.
    ///
    /// # Panics
    ///
    /// Panics when a node exits early or does not respond within 30 s. The
    /// message includes the end of its stderr.
    pub async fn start(config: ClusterConfig) -> Cluster {
        assert!(config.nodes >= 1, "a cluster needs at least one node");
        let dir = tempfile::Builder::new()
            .prefix("sluice-cluster-")
            .tempdir()
            .expect("cannot create a temporary directory for the cluster");
        let members = (1..=config.nodes)
            .map(|node_id| Member {
                node_id,
                http_port: free_port(),
                grpc_port: free_port(),
                child: None,
                stopped: false,
                starts: 0,
            })
            .collect();
        let mut cluster = Cluster {
            binary: sluice_binary(),
            dir: Some(dir),
            config,
            members,
            failure_reported: false,
        };

        // Every node starts before any is waited for: ListQueues needs a
        // metadata leader, and so a majority of the nodes.
        for node_id in cluster.node_ids() {
            std::fs::create_dir_all(cluster.data_dir(node_id))
                .expect("cannot create a node's data directory");
            cluster.spawn(node_id);
        }
        for node_id in cluster.node_ids() {
            cluster.wait_until_ready(node_id).await;
        }
        cluster
    }

    /// Returns the node ids, 1 to the number of nodes.
    pub fn node_ids(&self) -> Vec<u64> {
        self.members.iter().map(|member| member.node_id).collect()
    }

    /// Returns `http://127.0.0.1:PORT`, the SQS endpoint of a node.
    pub fn endpoint(&self, node_id: u64) -> String {
        format!("http://127.0.0.1:{}", self.member(node_id).http_port)
    }

    /// Returns the URL of a queue as the node names it.
    pub fn queue_url(&self, node_id: u64, queue_name: &str) -> String {
        format!("{}/{}/{}", self.endpoint(node_id), ACCOUNT_ID, queue_name)
    }

    /// Builds an SDK client for a node that retries 5xx responses and
    /// connection errors ([`crate::sqs_retrying_client`]).
    pub fn client(&self, node_id: u64) -> aws_sdk_sqs::Client {
        sqs_retrying_client(&self.endpoint(node_id))
    }

    /// Builds an SDK client for a node that makes one attempt per call
    /// ([`crate::sqs_client`]), to see what that node itself returns.
    pub fn client_without_retries(&self, node_id: u64) -> aws_sdk_sqs::Client {
        sqs_client(&self.endpoint(node_id))
    }

    /// Returns the process id of a node's server, if one is running.
    pub fn pid(&self, node_id: u64) -> Option<u32> {
        self.member(node_id).child.as_ref().map(Child::id)
    }

    /// Returns true when a node's process exists and is not stopped.
    pub fn is_running(&self, node_id: u64) -> bool {
        let member = self.member(node_id);
        member.child.is_some() && !member.stopped
    }

    /// Returns a node's `--data-dir`.
    pub fn data_dir(&self, node_id: u64) -> PathBuf {
        self.node_dir(node_id).join("data")
    }

    /// Returns the file that collects a node's stderr across restarts.
    pub fn stderr_path(&self, node_id: u64) -> PathBuf {
        self.node_dir(node_id).join("stderr.log")
    }

    /// Kills a node with SIGKILL, sent to its own process id, and reaps it.
    /// A stopped node is killed too. Does nothing when the node is not running.
    pub fn kill_9(&mut self, node_id: u64) {
        let member = self.member_mut(node_id);
        member.stopped = false;
        let Some(mut child) = member.child.take() else {
            return;
        };
        // `Child::kill` sends SIGKILL to this child's pid on Unix.
        if let Err(err) = child.kill() {
            // The child already exited; `wait` below reaps it either way.
            eprintln!(
                "sluice node {node_id} (pid {}) could not be killed: {err}",
                child.id()
            );
        }
        if let Err(err) = child.wait() {
            panic!(
                "waiting for the killed sluice node {node_id} (pid {}) failed: {err}",
                child.id()
            );
        }
    }

    /// Freezes a node with SIGSTOP: its sockets stay open, but it neither
    /// responds nor sends anything until [`Cluster::cont`].
    ///
    /// # Panics
    ///
    /// Panics when the node is not running, or is not stopped within 5 s.
    pub fn stop(&mut self, node_id: u64) {
        let pid = self.signal(node_id, libc::SIGSTOP, "SIGSTOP");
        let deadline = Instant::now() + STOP_TIMEOUT;
        while process_state(pid) != Some('T') {
            assert!(
                Instant::now() < deadline,
                "sluice node {node_id} (pid {pid}) is not stopped {STOP_TIMEOUT:?} after SIGSTOP; its state is {:?}",
                process_state(pid)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        self.member_mut(node_id).stopped = true;
    }

    /// Resumes a node frozen by [`Cluster::stop`] with SIGCONT.
    ///
    /// # Panics
    ///
    /// Panics when the node is not running.
    pub fn cont(&mut self, node_id: u64) {
        self.signal(node_id, libc::SIGCONT, "SIGCONT");
        self.member_mut(node_id).stopped = false;
    }

    /// Starts a node again on the same ports, killing the running process
    /// with SIGKILL first, and waits until it responds to ListQueues.
    ///
    /// With [`DataDir::Empty`] the node's data directory is deleted and
    /// created again before the start, so the node has to be caught up by
    /// the others.
    ///
    /// # Panics
    ///
    /// Panics like [`Cluster::start`].
    pub async fn restart(&mut self, node_id: u64, data: DataDir) {
        self.kill_9(node_id);
        if data == DataDir::Empty {
            let data_dir = self.data_dir(node_id);
            std::fs::remove_dir_all(&data_dir).unwrap_or_else(|err| {
                panic!(
                    "cannot delete the data directory {}: {err}",
                    data_dir.display()
                )
            });
            std::fs::create_dir(&data_dir).unwrap_or_else(|err| {
                panic!(
                    "cannot create the data directory {}: {err}",
                    data_dir.display()
                )
            });
        }
        self.spawn(node_id);
        self.wait_until_ready(node_id).await;
    }

    /// Returns the lines that a node's current process wrote to stderr: the
    /// lines after the last start marker.
    pub fn log_since_start(&self, node_id: u64) -> Vec<String> {
        let path = self.stderr_path(node_id);
        let text = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(err) => panic!("cannot read {}: {err}", path.display()),
        };
        let lines: Vec<&str> = text.lines().collect();
        let first = lines
            .iter()
            .rposition(|line| line.starts_with(START_MARKER))
            .map_or(0, |marker| marker + 1);
        lines[first..].iter().map(|line| line.to_string()).collect()
    }

    /// Returns the first line since the node's last start that contains every
    /// one of `fragments`.
    pub fn find_log_line(&self, node_id: u64, fragments: &[&str]) -> Option<String> {
        self.log_since_start(node_id)
            .into_iter()
            .find(|line| fragments.iter().all(|fragment| line.contains(fragment)))
    }

    /// Waits until a node's log since its last start has a line that contains
    /// every one of `fragments`, and returns that line.
    ///
    /// # Panics
    ///
    /// Panics when no such line appears within `timeout`.
    pub async fn wait_for_log(
        &self,
        node_id: u64,
        fragments: &[&str],
        timeout: Duration,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.find_log_line(node_id, fragments) {
                return line;
            }
            if Instant::now() >= deadline {
                panic!(
                    "node {node_id} logged no line containing {fragments:?} within {timeout:?}.\n\
                     Its stderr ({}) ends with:\n{}",
                    self.stderr_path(node_id).display(),
                    self.stderr_tail(node_id)
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Returns the latest role change of a group that a node logged since its
    /// last start.
    pub fn last_role_change(&self, node_id: u64, group_id: u64) -> Option<RoleChange> {
        self.log_since_start(node_id)
            .iter()
            .rev()
            .filter_map(|line| parse_role_change(line))
            .find(|change| change.group_id == group_id)
    }

    /// Returns the leader of a Raft group as the nodes' logs show it.
    ///
    /// Only running nodes that are not stopped count, and each by its latest
    /// role change since its start. Of the nodes whose latest change made
    /// them the leader, the one that changed last is returned: an older
    /// leader that has not logged its step-down yet is in an older term.
    pub fn leader_of(&self, group_id: u64) -> Option<u64> {
        self.node_ids()
            .into_iter()
            .filter(|&node_id| self.is_running(node_id))
            .filter_map(|node_id| {
                let change = self.last_role_change(node_id, group_id)?;
                (change.role == "Leader" && change.leader_id == node_id)
                    .then_some((change.timestamp, node_id))
            })
            .max()
            .map(|(_, node_id)| node_id)
    }

    /// Waits until [`Cluster::leader_of`] finds a leader of the group.
    ///
    /// # Panics
    ///
    /// Panics when no running node leads the group within `timeout`.
    pub async fn wait_for_leader(&self, group_id: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(leader_id) = self.leader_of(group_id) {
                return leader_id;
            }
            if Instant::now() >= deadline {
                let views: Vec<(u64, Option<RoleChange>)> = self
                    .node_ids()
                    .into_iter()
                    .map(|node_id| (node_id, self.last_role_change(node_id, group_id)))
                    .collect();
                panic!(
                    "no running node logged that it leads raft group {group_id} within {timeout:?}; \
                     the latest role change per node: {views:?}"
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Returns the last lines of a node's stderr, for failure messages.
    pub fn stderr_tail(&self, node_id: u64) -> String {
        read_tail(&self.stderr_path(node_id), STDERR_TAIL_LINES)
    }

    fn member(&self, node_id: u64) -> &Member {
        let index = node_id
            .checked_sub(1)
            .and_then(|index| usize::try_from(index).ok());
        index
            .and_then(|index| self.members.get(index))
            .unwrap_or_else(|| {
                panic!(
                    "node id {node_id} is not in this cluster of {} nodes",
                    self.members.len()
                )
            })
    }

    fn member_mut(&mut self, node_id: u64) -> &mut Member {
        let count = self.members.len();
        let index = node_id
            .checked_sub(1)
            .and_then(|index| usize::try_from(index).ok());
        index
            .and_then(|index| self.members.get_mut(index))
            .unwrap_or_else(|| panic!("node id {node_id} is not in this cluster of {count} nodes"))
    }

    fn dir_path(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("the cluster's directory exists until the cluster is dropped")
            .path()
    }

    fn node_dir(&self, node_id: u64) -> PathBuf {
        self.dir_path().join(format!("node{node_id}"))
    }

    /// Sends `signal` to a node's process and returns its pid.
    fn signal(&self, node_id: u64, signal: libc::c_int, name: &str) -> u32 {
        let pid = self
            .pid(node_id)
            .unwrap_or_else(|| panic!("cannot send {name} to node {node_id}: it is not running"));
        let pid_t = libc::pid_t::try_from(pid).expect("a process id fits in pid_t");
        // SAFETY: kill(2) with the pid of a child that this cluster spawned
        // and has not reaped yet, so the pid cannot name another process.
        if unsafe { libc::kill(pid_t, signal) } != 0 {
            panic!(
                "sending {name} to node {node_id} (pid {pid}) failed: {}",
                std::io::Error::last_os_error()
            );
        }
        pid
    }

    fn spawn(&mut self, node_id: u64) {
        let member = self.member_mut(node_id);
        member.starts += 1;
        let (starts, http_port, grpc_port) = (member.starts, member.http_port, member.grpc_port);
        let stdout = self.open_log(node_id, "stdout.log", starts);
        let stderr = self.open_log(node_id, "stderr.log", starts);

        let mut command = Command::new(&self.binary);
        command
            .arg("serve")
            .arg("--node-id")
            .arg(node_id.to_string())
            .arg("--listen")
            .arg(format!("127.0.0.1:{http_port}"))
            .arg("--grpc-listen")
            .arg(format!("127.0.0.1:{grpc_port}"))
            .arg("--data-dir")
            .arg(self.data_dir(node_id));
        for peer in &self.members {
            command
                .arg("--peer")
                .arg(format!("{}=127.0.0.1:{}", peer.node_id, peer.grpc_port));
        }
        if let Some(partitions) = self.config.partitions {
            command.arg("--partitions").arg(partitions.to_string());
        }
        if let Some(replication_factor) = self.config.replication_factor {
            command
                .arg("--replication-factor")
                .arg(replication_factor.to_string());
        }
        if let Some(snapshot_interval) = self.config.snapshot_interval {
            command
                .arg("--snapshot-interval")
                .arg(snapshot_interval.to_string());
        }
        command
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        die_with_parent_thread(&mut command);
        let child = command
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", self.binary.display()));
        let member = self.member_mut(node_id);
        member.child = Some(child);
        member.stopped = false;
    }

    /// Opens a log file for appending and writes the start marker.
    fn open_log(&self, node_id: u64, name: &str, starts: u32) -> File {
        let path = self.node_dir(node_id).join(name);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|err| panic!("cannot open {}: {err}", path.display()));
        writeln!(
            file,
            "{START_MARKER} {starts} of node {node_id} on {} ====",
            self.endpoint(node_id)
        )
        .unwrap_or_else(|err| panic!("cannot write to {}: {err}", path.display()));
        file
    }

    /// Polls ListQueues on a node until it responds, the node exits, or
    /// [`READY_TIMEOUT`] passes.
    async fn wait_until_ready(&mut self, node_id: u64) {
        let probe_timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(1))
            .operation_timeout(Duration::from_secs(2))
            .build();
        let probe = sqs_client_with_timeouts(&self.endpoint(node_id), probe_timeouts);
        let deadline = Instant::now() + READY_TIMEOUT;

        loop {
            let member = self.member_mut(node_id);
            let child = member.child.as_mut().expect("the node was just spawned");
            match child.try_wait() {
                Ok(Some(status)) => {
                    let pid = child.id();
                    member.child = None;
                    self.failure_reported = true;
                    panic!(
                        "sluice node {node_id} (pid {pid}) exited with {status} before it responded to ListQueues on {}.\n\
                         Its stderr ({}) ends with:\n{}",
                        self.endpoint(node_id),
                        self.stderr_path(node_id).display(),
                        self.stderr_tail(node_id)
                    );
                }
                Ok(None) => {}
                Err(err) => panic!(
                    "cannot check whether sluice node {node_id} (pid {}) is running: {err}",
                    child.id()
                ),
            }

            let last_error = match probe.list_queues().send().await {
                Ok(_) => return,
                Err(err) => DisplayErrorContext(&err).to_string(),
            };

            if Instant::now() >= deadline {
                self.failure_reported = true;
                panic!(
                    "sluice node {node_id} (pid {:?}) did not respond to ListQueues on {} within {READY_TIMEOUT:?}; \
                     the last probe failed with: {last_error}.\n\
                     Its stderr ({}) ends with:\n{}",
                    self.pid(node_id),
                    self.endpoint(node_id),
                    self.stderr_path(node_id).display(),
                    self.stderr_tail(node_id)
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.failure_reported {
            for node_id in self.node_ids() {
                eprintln!(
                    "---- sluice node {node_id} on {} (pid {:?}, data directory {}): end of stderr ----\n{}",
                    self.endpoint(node_id),
                    self.pid(node_id),
                    self.data_dir(node_id).display(),
                    self.stderr_tail(node_id)
                );
            }
        }
        for node_id in self.node_ids() {
            self.kill_9(node_id);
        }

        if std::env::var_os("SLUICE_KEEP_DATA").is_some() {
            if let Some(dir) = self.dir.take() {
                let kept_path = dir.keep();
                eprintln!(
                    "SLUICE_KEEP_DATA is set: kept the cluster directory {}",
                    kept_path.display()
                );
            }
        }
    }
}

/// Parses a line such as `2026-12-04T22:00:02.411802Z  INFO
/// sluice_replication::driver: raft role changed group_id=2 leader_id=1 role=Leader`.
pub fn parse_role_change(line: &str) -> Option<RoleChange> {
    if !line.contains("raft role changed") {
        return None;
    }
    let timestamp = line.split_whitespace().next()?.to_string();
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|token| token.strip_prefix(name)?.strip_prefix('='))
    };
    Some(RoleChange {
        timestamp,
        group_id: field("group_id")?.parse().ok()?,
        leader_id: field("leader_id")?.parse().ok()?,
        role: field("role")?.to_string(),
    })
}

/// Parses an RFC 3339 UTC timestamp as tracing-subscriber writes it
/// (`2026-12-04T22:00:02.411802Z`) into milliseconds since the Unix epoch.
pub fn parse_utc_millis(timestamp: &str) -> Option<u64> {
    let (date, time) = timestamp.strip_suffix('Z')?.split_once('T')?;
    let mut date_parts = date.splitn(3, '-').map(|part| part.parse::<i64>().ok());
    let (year, month, day) = (
        date_parts.next()??,
        date_parts.next()??,
        date_parts.next()??,
    );
    let (clock, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut clock_parts = clock.splitn(3, ':').map(|part| part.parse::<i64>().ok());
    let (hour, minute, second) = (
        clock_parts.next()??,
        clock_parts.next()??,
        clock_parts.next()??,
    );
    // The first three digits of the fraction are milliseconds.
    let millis_text: String = fraction.chars().chain("000".chars()).take(3).collect();
    let millis: i64 = millis_text.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }

    // Days since 1970-01-01 in the proleptic Gregorian calendar, counted in
    // 400-year eras of 146 097 days from a year that starts in March, so
    // that the leap day falls at the end of the year.
    let shifted_year = if month <= 2 { year - 1 } else { year };
    let era = shifted_year.div_euclid(400);
    let year_of_era = shifted_year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;

    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
    u64::try_from(seconds * 1_000 + millis).ok()
}

/// Returns the state letter of a process from `/proc/PID/stat` (`T` when
/// stopped), or `None` when it cannot be read.
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name in brackets may contain spaces; the state follows it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.trim_start().chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_change_parses() {
        let line = "2026-12-04T22:00:02.411802Z  INFO sluice_replication::driver: raft role changed group_id=12 leader_id=1 role=Leader";
        let change = parse_role_change(line).expect("a role change line");
        assert_eq!(change.timestamp, "2026-12-04T22:00:02.411802Z", "timestamp");
        assert_eq!(change.group_id, 12, "group id");
        assert_eq!(change.leader_id, 1, "leader id");
        assert_eq!(change.role, "Leader", "role");
    }

    #[test]
    fn timestamp_parses() {
        // 2026-12-04T22:00:02Z is 1_796_421_602 s after the epoch (`date -u -d`).
        assert_eq!(
            parse_utc_millis("2026-12-04T22:00:02.411802Z"),
            Some(1_796_421_602_411),
            "a tracing-subscriber timestamp"
        );
        assert_eq!(
            parse_utc_millis("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000),
            "a leap day without a fraction"
        );
        assert_eq!(parse_utc_millis("22:00:02"), None, "a time without a date");
    }

    #[test]
    fn other_lines_are_not_role_changes() {
        let line = "2026-12-04T22:00:02.411802Z  INFO sluice: sluice is ready endpoint=http://127.0.0.1:9331";
        assert_eq!(
            parse_role_change(line),
            None,
            "a line without a role change"
        );
    }
}
