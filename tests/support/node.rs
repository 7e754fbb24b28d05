//! One `sluice serve` process on 127.0.0.1, started and stopped by a test.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::error::DisplayErrorContext;

use crate::client::{sqs_client, sqs_client_with_timeouts, ACCOUNT_ID};

/// How long a starting server may take to respond to its first ListQueues.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between two readiness probes.
const READY_POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Lines of the server's stderr that a failure report shows.
const STDERR_TAIL_LINES: usize = 60;
/// Environment variable that makes every [`Node`] a cluster of this many
/// nodes, to run the same tests against a replicated cluster.
pub const CLUSTER_NODES_VARIABLE: &str = "SLUICE_TEST_NODES";

/// Number of nodes of each test server, from [`CLUSTER_NODES_VARIABLE`] (default 1).
fn cluster_nodes() -> u64 {
    match std::env::var(CLUSTER_NODES_VARIABLE) {
        Ok(value) => value
            .parse()
            .ok()
            .filter(|&nodes| nodes >= 1)
            .unwrap_or_else(|| panic!("{CLUSTER_NODES_VARIABLE}={value:?} is not a node count of 1 or more")),
        Err(_) => 1,
    }
}

/// Returns the path of the `sluice` binary under test.
///
/// `SLUICE_BIN` wins when set. Otherwise the binary is looked up next to the
/// test executable's directory, which is where `cargo build --workspace` puts
/// it (`$CARGO_TARGET_DIR/debug/sluice`, with tests in `debug/deps/`).
///
/// # Panics
///
/// Panics when the binary does not exist, telling how to build it.
pub fn sluice_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SLUICE_BIN") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "SLUICE_BIN is set to {}, but no file exists there; unset it or point it at a built sluice binary",
            path.display()
        );
        return path;
    }

    let test_executable =
        std::env::current_exe().expect("cannot read the path of the running test executable");
    // Test executables live in `debug/deps/`, the binary in `debug/`.
    let profile_dir = test_executable
        .parent()
        .and_then(Path::parent)
        .expect("the test executable path has fewer than two parent directories");
    let candidate = profile_dir.join("sluice");
    assert!(
        candidate.is_file(),
        "the sluice binary was not found at {}; run `cargo build --workspace` first \
         (with the same CARGO_TARGET_DIR as the tests), or set SLUICE_BIN to its path",
        candidate.display()
    );
    candidate
}

/// Returns a port on 127.0.0.1 that was free a moment ago.
///
/// The port comes from binding port 0 and closing the listener, so another
/// process may take it before the server binds it. A server that fails to
/// bind exits early, and [`Node::start`] reports its stderr.
pub fn free_port() -> u16 {
    let listener =
        TcpListener::bind("127.0.0.1:0").expect("cannot bind an ephemeral port on 127.0.0.1");
    listener
        .local_addr()
        .expect("cannot read the address of the ephemeral listener")
        .port()
}

/// A `sluice serve` child process with its own temporary directory.
///
/// The directory contains `data/` (the server's `--data-dir`) and the server's
/// `stdout.log` and `stderr.log`, which each start appends to. Dropping the node
/// kills the child with SIGKILL and removes the directory, unless
/// `SLUICE_KEEP_DATA` is set.
///
/// With `SLUICE_TEST_NODES=N` (N > 1), the node is node 1 of an N-node
/// cluster: the other N - 1 nodes run as companions with their data in
/// `data-K/`. Clients talk to node 1, which forwards to partition leaders on
/// the others; `kill_9` and `restart` act on node 1 only.
pub struct Node {
    binary: PathBuf,
    dir: Option<tempfile::TempDir>,
    port: u16,
    child: Option<Child>,
    starts: u32,
    /// Set when a panic message already showed the end of stderr.
    stderr_reported: bool,
    /// gRPC ports of every cluster node, node 1 first; empty for one node.
    grpc_ports: Vec<u16>,
    /// The other nodes of the cluster, started once.
    companions: Vec<Child>,
}

impl Node {
    /// Starts a server on a free port with an empty data directory and waits
    /// until it responds to ListQueues.
    ///
    /// Call this (and [`Node::restart`]) from the test's own thread, which the
    /// body of `#[tokio::test]` runs on: the child is told to die with SIGKILL
    /// when the thread that spawned it exits (Linux `PR_SET_PDEATHSIG`), so a
    /// test process killed by a timeout leaves no server behind.
    ///
    /// # Panics
    ///
    /// Panics when the server exits early or does not respond within 30 s.
    /// The message includes the end of its stderr.
    pub async fn start() -> Node {
        let binary = sluice_binary();
        let dir = tempfile::Builder::new()
            .prefix("sluice-node-")
            .tempdir()
            .expect("cannot create a temporary directory for the node");
        std::fs::create_dir(dir.path().join("data"))
            .expect("cannot create the node's data directory");

        let mut node = Node {
            binary,
            dir: Some(dir),
            port: free_port(),
            child: None,
            starts: 0,
            stderr_reported: false,
            grpc_ports: Vec::new(),
            companions: Vec::new(),
        };
        let nodes = cluster_nodes();
        if nodes > 1 {
            node.grpc_ports = (0..nodes).map(|_| free_port()).collect();
            node.spawn_companions();
        }
        node.spawn_and_wait().await;
        node
    }

    /// Returns `http://127.0.0.1:PORT`, the endpoint for clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Returns the address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Returns the URL that the server gives a queue of this name, for the
    /// default account id and the `Host` header that [`Node::client`] sends.
    pub fn queue_url(&self, queue_name: &str) -> String {
        format!("{}/{}/{}", self.endpoint(), ACCOUNT_ID, queue_name)
    }

    /// Builds a new SDK client for this node.
    ///
    /// Build a new one after [`Node::restart`]: an old client may hold pooled
    /// connections to the killed process, and test clients do not retry.
    pub fn client(&self) -> aws_sdk_sqs::Client {
        sqs_client(&self.endpoint())
    }

    /// Returns the process id of the running server, if one is running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Returns the server's `--data-dir`.
    pub fn data_dir(&self) -> PathBuf {
        self.dir_path().join("data")
    }

    /// Returns the file that collects the server's stderr across restarts.
    pub fn stderr_path(&self) -> PathBuf {
        self.dir_path().join("stderr.log")
    }

    /// Kills the server with SIGKILL, sent to its own process id, and reaps it.
    ///
    /// Does nothing when no server is running.
    pub fn kill_9(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // `Child::kill` sends SIGKILL to this child's pid on Unix.
        if let Err(err) = child.kill() {
            // The child already exited; `wait` below reaps it either way.
            eprintln!("sluice (pid {}) could not be killed: {err}", child.id());
        }
        if let Err(err) = child.wait() {
            panic!(
                "waiting for the killed sluice (pid {}) failed: {err}",
                child.id()
            );
        }
    }

    /// Starts the server again on the same port and data directory, killing
    /// the running one with SIGKILL first, and waits until it responds.
    ///
    /// # Panics
    ///
    /// Panics like [`Node::start`].
    pub async fn restart(&mut self) {
        self.kill_9();
        self.spawn_and_wait().await;
    }

    /// Returns the last lines of the server's stderr, for failure messages.
    pub fn stderr_tail(&self) -> String {
        read_tail(&self.stderr_path(), STDERR_TAIL_LINES)
    }

    fn dir_path(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("the node's directory exists until the node is dropped")
            .path()
    }

    /// The cluster arguments of node `node_id`; empty for a one-node server.
    fn cluster_args(&self, node_id: u64) -> Vec<String> {
        if self.grpc_ports.is_empty() {
            return Vec::new();
        }
        let mut args = vec![
            "--node-id".to_string(),
            node_id.to_string(),
            "--grpc-listen".to_string(),
            format!("127.0.0.1:{}", self.grpc_ports[node_id as usize - 1]),
        ];
        for (index, port) in self.grpc_ports.iter().enumerate() {
            args.push("--peer".to_string());
            args.push(format!("{}=127.0.0.1:{port}", index + 1));
        }
        args
    }

    /// Starts nodes 2 to N of the cluster, each logging to `companion-K.log`.
    fn spawn_companions(&mut self) {
        for node_id in 2..=self.grpc_ports.len() as u64 {
            let data_dir = self.dir_path().join(format!("data-{node_id}"));
            std::fs::create_dir(&data_dir).expect("cannot create a companion's data directory");
            let log = self.open_log(&format!("companion-{node_id}.log"));
            let mut command = Command::new(&self.binary);
            command
                .arg("serve")
                .arg("--listen")
                .arg(format!("127.0.0.1:{}", free_port()))
                .arg("--data-dir")
                .arg(&data_dir)
                .args(self.cluster_args(node_id))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log);
            die_with_parent_thread(&mut command);
            let child = command
                .spawn()
                .unwrap_or_else(|err| panic!("cannot start {}: {err}", self.binary.display()));
            self.companions.push(child);
        }
    }

    async fn spawn_and_wait(&mut self) {
        self.starts += 1;
        let stdout = self.open_log("stdout.log");
        let stderr = self.open_log("stderr.log");

        let mut command = Command::new(&self.binary);
        command
            .arg("serve")
            .arg("--listen")
            .arg(self.addr().to_string())
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(self.cluster_args(1))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        die_with_parent_thread(&mut command);
        let child = command
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", self.binary.display()));
        self.child = Some(child);

        self.wait_until_ready().await;
    }

    /// Opens a log file for appending and writes a header for this start.
    fn open_log(&self, name: &str) -> File {
        let path = self.dir_path().join(name);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|err| panic!("cannot open {}: {err}", path.display()));
        writeln!(
            file,
            "==== sluice start {} on {} ====",
            self.starts,
            self.addr()
        )
        .unwrap_or_else(|err| panic!("cannot write to {}: {err}", path.display()));
        file
    }

    /// Polls ListQueues until the server responds, the server exits, or
    /// [`READY_TIMEOUT`] passes.
    async fn wait_until_ready(&mut self) {
        let probe_timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(1))
            .operation_timeout(Duration::from_secs(2))
            .build();
        let probe = sqs_client_with_timeouts(&self.endpoint(), probe_timeouts);
        let deadline = Instant::now() + READY_TIMEOUT;

        loop {
            let child = self.child.as_mut().expect("a child was just spawned");
            match child.try_wait() {
                Ok(Some(status)) => {
                    let pid = child.id();
                    self.child = None;
                    self.stderr_reported = true;
                    panic!(
                        "sluice (pid {pid}) exited with {status} before it responded to ListQueues on {}.\n\
                         Its stderr ({}) ends with:\n{}",
                        self.endpoint(),
                        self.stderr_path().display(),
                        self.stderr_tail()
                    );
                }
                Ok(None) => {}
                Err(err) => panic!(
                    "cannot check whether sluice (pid {}) is running: {err}",
                    child.id()
                ),
            }

            let last_error = match probe.list_queues().send().await {
                Ok(_) => return,
                Err(err) => DisplayErrorContext(&err).to_string(),
            };

            if Instant::now() >= deadline {
                self.stderr_reported = true;
                panic!(
                    "sluice (pid {:?}) did not respond to ListQueues on {} within {:?}; the last probe failed with: {last_error}.\n\
                     Its stderr ({}) ends with:\n{}",
                    self.pid(),
                    self.endpoint(),
                    READY_TIMEOUT,
                    self.stderr_path().display(),
                    self.stderr_tail()
                );
            }
            tokio::time::sleep(READY_POLL_INTERVAL).await;
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.stderr_reported {
            eprintln!(
                "---- sluice on {} (data directory {}): end of stderr ----\n{}",
                self.endpoint(),
                self.data_dir().display(),
                self.stderr_tail()
            );
        }
        self.kill_9();
        for mut companion in self.companions.drain(..) {
            let _ = companion.kill();
            let _ = companion.wait();
        }

        if std::env::var_os("SLUICE_KEEP_DATA").is_some() {
            if let Some(dir) = self.dir.take() {
                let kept_path = dir.keep();
                eprintln!(
                    "SLUICE_KEEP_DATA is set: kept the node directory {}",
                    kept_path.display()
                );
            }
        }
    }
}

/// Makes a child started by `command` receive SIGKILL when the thread that
/// spawns it exits (Linux `PR_SET_PDEATHSIG`), so that a test process killed
/// by a timeout leaves no server behind.
pub(crate) fn die_with_parent_thread(command: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec and only
    // calls prctl(2), which is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Returns the last `lines` lines of a text file, or a note when it cannot be read.
pub(crate) fn read_tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            let start = all.len().saturating_sub(lines);
            all[start..].join("\n")
        }
        Err(err) => format!("(cannot read {}: {err})", path.display()),
    }
}
