//! Instances in processes of their own: this test binary run again with
//! `QH_TASK_INSTANCE=1` and only its `instance` test selected, which serves
//! an app (`instance.rs`) until SIGTERM. Each is killed when dropped, so a
//! failing test leaves no process behind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::wait::PATIENCE;

/// How every instance of one test is configured.
#[derive(Clone)]
pub struct Setup {
    pub redis_url: String,
    pub prefix: String,
    pub lease: Duration,
    pub drain: Duration,
}

pub struct Instance {
    child: Option<Child>,
    pub name: String,
    pub port: u16,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Instance {
    /// Starts one and waits (bounded) until it listens.
    pub fn start(name: &str, setup: &Setup) -> Self {
        let exe = std::env::current_exe().expect("the test binary");
        let mut child = Command::new(exe)
            .args(["--exact", "instance", "--nocapture", "--test-threads=1"])
            .env("QH_TASK_INSTANCE", "1")
            .env("QH_NAME", name)
            .env("QH_REDIS_URL", &setup.redis_url)
            .env("QH_PREFIX", &setup.prefix)
            .env("QH_LEASE_MS", setup.lease.as_millis().to_string())
            .env("QH_DRAIN_MS", setup.drain.as_millis().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the instance starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped");
        let kept = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        let stdout = child.stdout.take().expect("piped");
        let (port_tx, port_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // After the harness's `test instance ... ` on the same line.
                if let Some((_, port)) = line.split_once("listening ") {
                    let port = port.split_whitespace().next().unwrap_or("");
                    let _ = port_tx.send(port.parse::<u16>().expect("a port"));
                }
            }
        });
        let port = port_rx
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|_| panic!("instance {name} never listened"));
        Self {
            child: Some(child),
            name: name.to_owned(),
            port,
            logs,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `kill -9`: it stops at once, renewing nothing, handing nothing back.
    pub fn kill_hard(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        }
    }

    /// SIGTERM: a deploy stopping it.
    pub fn terminate(&self) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill -TERM {pid}");
    }

    /// Its exit status, waited for (bounded).
    pub fn exited(&mut self) -> ExitStatus {
        let child = self.child.as_mut().expect("running");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "instance {} did not exit",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its JSON log lines so far.
    pub fn logs(&self) -> Vec<Value> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill_hard();
    }
}
